/**
 * Operation checks over HTTP: subscriptions belong on the WebSocket, and
 * query limits: depth and complexity (cost per field, list fields multiplied
 * by their `first`). Checked once the operation is resolved, before anything
 * executes; a violation is BAD_USER_INPUT naming the limit.
 */
import { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, FragmentDefinitionNode, GraphQLError, GraphQLSchema, Kind, SelectionSetNode } from 'graphql';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Limits from config. */
export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
}

/** Depth of a selection set, following fragments (cycles are already rejected by validation). */
function depthOf(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): number {
  if (!set) return 0;
  let max = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) max = Math.max(max, sel.name.value.startsWith('__') ? 0 : 1 + depthOf(sel.selectionSet, fragments));
    else if (sel.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(sel.selectionSet, fragments));
    else {
      const fragment = fragments[sel.name.value];
      if (fragment) max = Math.max(max, depthOf(fragment.selectionSet, fragments));
    }
  }
  return max;
}

function limitError(limit: string, max: number, actual: number): GraphQLError {
  return new GraphQLError(`Query ${limit} ${actual} exceeds the limit of ${max}`, { extensions: { code: 'BAD_USER_INPUT', limit, max, actual, http: { status: 400 } } });
}

/**
 * A list field costs `first` (or its default) times its children; every
 * other field costs 1 plus its children.
 */
function listEstimator({ args, field, childComplexity }: { args: Record<string, unknown>; field: { args: readonly { name: string; defaultValue?: unknown }[] }; childComplexity: number }): number | void {
  const firstArg = field.args.find((a) => a.name === 'first');
  if (!firstArg) return;
  const first = typeof args.first === 'number' ? args.first : Number(firstArg.defaultValue ?? 20);
  return Math.max(1, first) * Math.max(1, childComplexity) + 1;
}

/**
 * The variables as the estimators need them: cost depends on `first` (an
 * Int) only, so every list variable is passed empty. getComplexity coerces
 * the variables again before execution does, and a batch of 1,000 activity
 * inputs would otherwise be coerced twice.
 */
function withoutLists(variables: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, Array.isArray(value) ? [] : value]));
}

/** Throws BAD_USER_INPUT naming the limit when the operation is deeper or costlier than allowed (every transport calls this). */
export function checkQueryLimits(schema: GraphQLSchema, limits: QueryLimits, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): void {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const depth = depthOf(def.selectionSet, fragments);
    if (depth > limits.maxDepth) throw limitError('depth', limits.maxDepth, depth);
  }
  let complexity: number;
  try {
    complexity = getComplexity({
      schema,
      query: document,
      operationName,
      variables: withoutLists(variables),
      estimators: [listEstimator as never, simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch {
    // Variables that do not coerce: execution reports them as BAD_USER_INPUT before running anything.
    return;
  }
  if (complexity > limits.maxComplexity) throw limitError('complexity', limits.maxComplexity, complexity);
}

/** Apollo plugin enforcing the limits. */
export function queryLimitsPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operationName, operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions run over WebSocket (graphql-ws) on this same path, not over HTTP', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
          }
          checkQueryLimits(schema, limits, document, operationName ?? undefined, request.variables ?? {});
        },
      };
    },
  };
}
