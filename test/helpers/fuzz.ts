/**
 * Schema-driven fuzz cases: every field of Query, Mutation and Subscription
 * of the served schema (schema/schema.graphql), every argument filled from
 * its type with a seeded generator mixing valid values, known ids, edge
 * cases and hostile ones (NUL bytes, deep JSON, long lists, wrong types,
 * unknown fields), passed as variables or written as literals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  getNullableType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  print,
  astFromValue,
  GraphQLString,
} from 'graphql';

/** One generated request. */
export interface FuzzCase {
  operation: 'query' | 'mutation' | 'subscription';
  field: string;
  query: string;
  variables: Record<string, unknown>;
}

/** Loads the served schema's SDL. */
export function servedSchema(): GraphQLSchema {
  return buildSchema(readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'));
}

const STRINGS = [
  '',
  ' ',
  'a',
  'x'.repeat(192),
  'x'.repeat(5000),
  'nul\u0000byte',
  '💥🐢\u202e',
  "'; DROP TABLE contacts; --",
  '%_!\\',
  'José@Example.COM',
  'jose@example.com',
  'page_view',
  'demo_request',
  'MQL',
  '../../etc/passwd',
  '<script>',
  'WyJ4IiwieSJd',
  'WzAsMF0',
  'eyJ9',
  'not base64 !',
  '\ud800',
  'a@b',
  'Key-X',
  'key-X',
];
const INTS = [0, 1, -1, 20, 500, 501, 2 ** 31 - 1, -(2 ** 31), 10_000, 3];
const DATES = [
  '2026-01-01T00:00:00Z',
  '2026-12-31T23:59:59.999Z',
  '1969-12-31T23:59:59Z',
  '9999-12-31T23:59:59Z',
  '2026-13-45T99:00:00Z',
  'yesterday',
  '',
  '2026-02-30',
];

/** A seeded generator of values for input types; `ids` are ids that exist (found while fuzzing). */
export class ValueGenerator {
  constructor(
    readonly rand: () => number,
    private readonly ids: string[],
  ) {}

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }

  /** A value for `type`; mostly well-typed, sometimes not (wrong type, null for non-null, unknown fields). */
  value(type: GraphQLInputType, depth = 0): unknown {
    const r = this.rand();
    if (r < 0.04) return this.hostile();
    if (!isNonNullType(type) && r < 0.12) return null;
    const inner = getNullableType(type) as GraphQLInputType;
    if (isListType(inner)) {
      const n = this.rand() < 0.05 ? this.pick([1001, 1500, 40_000]) : Math.floor(this.rand() * 4);
      const one = this.value(inner.ofType, depth + 1);
      // Long lists repeat one small item: requests stay under the body and message limits (2 MB).
      const length = n > 5 && (JSON.stringify(one) ?? '').length * n > 500_000 ? 5 : n;
      return Array.from({ length }, (_, i) => (i < 5 ? this.value(inner.ofType, depth + 1) : one));
    }
    if (isEnumType(inner)) return this.rand() < 0.9 ? this.pick(inner.getValues()).name : 'NOT_A_VALUE';
    if (isInputObjectType(inner)) {
      const out: Record<string, unknown> = {};
      for (const f of Object.values(inner.getFields()))
        if (isNonNullType(f.type) || this.rand() < 0.5) out[f.name] = this.value(f.type, depth + 1);
      if (this.rand() < 0.03) out.unknownField = 1;
      return out;
    }
    return this.scalar(inner as GraphQLNamedType);
  }

  private scalar(type: GraphQLNamedType): unknown {
    switch (type.name) {
      case 'Int':
        return this.pick(INTS);
      case 'Float':
        return this.pick([0, 1.5, -1e308, 1e308]);
      case 'Boolean':
        return this.rand() < 0.5;
      case 'ID':
        return this.ids.length && this.rand() < 0.6
          ? this.pick(this.ids)
          : this.pick(['missing', '', '00000000-0000-0000-0000-000000000000', '1', 'x'.repeat(300)]);
      case 'DateTime':
        return this.pick(DATES);
      case 'JSONObject':
      case 'JSON':
        return this.json();
      default:
        return this.rand() < 0.3 ? `fuzz${Math.floor(this.rand() * 1e6)}@acme-corp.com` : this.pick(STRINGS);
    }
  }

  /** JSON: small objects mostly, sometimes deep, wide or with NUL bytes. */
  json(): unknown {
    const r = this.rand();
    if (r < 0.1) {
      let v: unknown = 1;
      // Deeper than the limit (32), not so deep that a client's JSON.stringify overflows (inputs.test sends 5,000 raw).
      for (let i = 0, n = this.pick([31, 33, 100]); i < n; i++) v = { a: v };
      return v;
    }
    if (r < 0.15) return Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, 'v'.repeat(10)]));
    if (r < 0.2) return { 'nul\u0000key': 'nul\u0000value' };
    if (r < 0.25) return [1, 2, 3];
    return { plan: this.pick(STRINGS), seats: this.pick(INTS), nested: { ok: true } };
  }

  private hostile(): unknown {
    return this.pick([[], {}, 'string', 12, true, [null], { a: [1] }, -0.5]);
  }
}

/** A selection of leaf fields (and one level of objects) for a return type, with no required arguments. */
function selection(type: GraphQLNamedType, depth: number): string {
  if (!isObjectType(type)) return '';
  const parts: string[] = [];
  for (const f of Object.values((type as GraphQLObjectType).getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(f.type);
    if (isLeafType(named)) parts.push(f.name);
    else if (depth < 2) {
      const inner = selection(named, depth + 1);
      if (inner) parts.push(`${f.name} { ${inner} }`);
    }
  }
  return parts.join(' ');
}

/** Writes a value as a GraphQL literal when it is one for the type; else null (then it goes as a variable). */
function literal(value: unknown, type: GraphQLInputType): string | null {
  try {
    const ast = astFromValue(value, type);
    return ast ? print(ast) : null;
  } catch {
    // Values the type cannot take (the hostile ones) are written as strings: a literal of the wrong type.
    const ast = astFromValue(JSON.stringify(value) ?? 'null', GraphQLString);
    return ast ? print(ast) : null;
  }
}

/** One case for a root field: its arguments as variables or literals (each chosen at random). */
export function fuzzCase(
  gen: ValueGenerator,
  operation: FuzzCase['operation'],
  field: GraphQLField<unknown, unknown>,
): FuzzCase {
  const defs: string[] = [];
  const args: string[] = [];
  const variables: Record<string, unknown> = {};
  field.args.forEach((arg: GraphQLArgument, i) => {
    if (!isNonNullType(arg.type) && gen.rand() < 0.3) return;
    const value = gen.value(arg.type);
    const written = gen.rand() < 0.3 ? literal(value, arg.type) : null;
    if (written !== null) args.push(`${arg.name}: ${written}`);
    else {
      defs.push(`$v${i}: ${String(arg.type)}`);
      args.push(`${arg.name}: $v${i}`);
      variables[`v${i}`] = value;
    }
  });
  const named = getNamedType(field.type);
  const sel = isScalarType(named) || isEnumType(named) ? '' : `{ ${selection(named, 0) || '__typename'} }`;
  const query =
    `${operation} Fuzz${defs.length ? `(${defs.join(', ')})` : ''} { ` +
    `${field.name}${args.length ? `(${args.join(', ')})` : ''} ${sel} }`;
  return { operation, field: field.name, query, variables };
}

/** Every root field of the schema with its operation type, in a stable order. */
export function rootFields(
  schema: GraphQLSchema,
): { operation: FuzzCase['operation']; field: GraphQLField<unknown, unknown> }[] {
  const out: { operation: FuzzCase['operation']; field: GraphQLField<unknown, unknown> }[] = [];
  for (const [operation, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const) {
    if (type) for (const field of Object.values(type.getFields())) out.push({ operation, field });
  }
  return out;
}
