/**
 * What an operation costs before it runs: its depth, and a cost in work
 * units where a field that does a lot costs what it does. A list field costs
 * its page size (`first`, or its default) times its children, so nested
 * lists multiply; fields backed by heavy queries carry their own weight
 * (FIELD_COSTS); lists without `first` (a contact's transitions, the rules)
 * are short and carry their weight there. Pure: no Apollo, no transport.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';

/**
 * Cost of one call of a field that does much more than read a column, as
 * `Type.field` -> units (an ordinary field costs 1). Measured against a
 * contact read (bench/metrics: conversionMetrics over 100,000 contacts is
 * about 12 ms, a few thousand times a loaded row): without these, 100 aliases
 * of conversionMetrics cost 300 of a 200,000 limit and held the server 10 s.
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  'Query.conversionMetrics': 5000,
  'Contact.scoreBreakdown': 10,
  'Contact.transitions': 10,
  'Contact.qualification': 2,
  'Query.scoringRules': 10,
  'Query.apiKeys': 10,
  'Query.partners': 10,
  // Insights read every contact's history (bench/insight: as long as a raw read of all of it); one per request.
  'Query.ruleInsights': 150_000,
  'Query.suggestScoring': 150_000,
  'Mutation.simulateScoring': 150_000,
  'Mutation.applySimulation': 1000,
};

/** Depth of a selection set, following fragments (cycles are rejected by validation before this runs). */
export function depthOf(
  set: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): number {
  if (!set) return 0;
  let max = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD)
      max = Math.max(max, sel.name.value.startsWith('__') ? 0 : 1 + depthOf(sel.selectionSet, fragments, seen));
    else if (sel.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(sel.selectionSet, fragments, seen));
    else {
      const fragment = fragments[sel.name.value];
      if (fragment && !seen.has(sel.name.value))
        max = Math.max(max, depthOf(fragment.selectionSet, fragments, new Set(seen).add(sel.name.value)));
    }
  }
  return max;
}

/** The operation `operationName` selects in a document (the only one when unnamed), or null. */
export function selectOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode | null {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName) return operations.find((o) => o.name?.value === operationName) ?? null;
  return operations.length === 1 ? operations[0] : null;
}

/** Depth of the deepest operation of a document. */
export function documentDepth(document: DocumentNode): number {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  let max = 0;
  for (const def of document.definitions)
    if (def.kind === Kind.OPERATION_DEFINITION) max = Math.max(max, depthOf(def.selectionSet, fragments));
  return max;
}

interface EstimatorArgs {
  args: Record<string, unknown>;
  field: { name: string; args: readonly { name: string; defaultValue?: unknown }[] };
  type: { name: string };
  childComplexity: number;
}

/** Field weight times, for lists, their page size; children multiply by the page size. */
function fieldEstimator({ args, field, type, childComplexity }: EstimatorArgs): number {
  const own = FIELD_COSTS[`${type.name}.${field.name}`] ?? 1;
  const firstArg = field.args.find((a) => a.name === 'first');
  const size = firstArg ? (typeof args.first === 'number' ? args.first : Number(firstArg.defaultValue ?? 20)) : 1;
  return own + Math.max(1, size) * childComplexity;
}

/**
 * The variables as the estimator needs them: cost depends on `first` (an
 * Int) only, so every list variable is passed empty; a batch of 1,000
 * activity inputs would otherwise be coerced once more for nothing.
 */
function withoutLists(variables: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, Array.isArray(value) ? [] : value]),
  );
}

/** Cost of the selected operation, or null when its variables do not coerce (execution then reports them). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): number | null {
  try {
    return getComplexity({
      schema,
      query: document,
      operationName: operationName ?? undefined,
      variables: withoutLists(variables),
      estimators: [fieldEstimator as never, simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch {
    return null;
  }
}
