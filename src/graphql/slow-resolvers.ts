/**
 * Timing of the resolvers that do work, for the slow-resolver counters. Only fields with a resolver of their
 * own are wrapped (queries, mutations, field resolvers, type-graphql's non-simple fields): a default resolver
 * reads a property and cannot be slow. Apollo's `willResolveField` would wrap every field of every response
 * instead (about 1,500 per 50-contact page), and that wrapper cost more than the page's statements.
 */
import { type GraphQLFieldResolver, type GraphQLSchema, isObjectType } from 'graphql';

/** Told of each call of a wrapped resolver that took `ms` (the context's `onResolved`, when set). */
export type ResolvedHook = (field: string, ms: number) => void;

function timed(field: string, resolve: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return (root, args, ctx, info) => {
    const hook = (ctx as { onResolved?: ResolvedHook } | undefined)?.onResolved;
    if (!hook) return resolve(root, args, ctx, info);
    const t0 = performance.now();
    const done = () => hook(field, performance.now() - t0);
    let result: unknown;
    try {
      result = resolve(root, args, ctx, info);
    } catch (err) {
      done();
      throw err;
    }
    if (!(result instanceof Promise)) {
      done();
      return result;
    }
    return result.then(
      (value) => {
        done();
        return value;
      },
      (err) => {
        done();
        throw err;
      },
    );
  };
}

/** Wraps, in place, every field resolver of the schema's object types with the timing above; returns the schema. */
export function timeResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields()))
      if (field.resolve) field.resolve = timed(`${type.name}.${field.name}`, field.resolve);
  }
  return schema;
}
