/** What a query asks of the field being resolved, so work for fields nobody asked for can be skipped. */
import { type GraphQLResolveInfo, type SelectionSetNode, type SelectionNode } from 'graphql';

/** False when @include(if: false) or @skip(if: true) leaves the selection out. */
function included(node: SelectionNode, variables: Record<string, unknown>): boolean {
  for (const d of node.directives ?? []) {
    const arg = d.arguments?.find((a) => a.name.value === 'if')?.value;
    if (!arg || (d.name.value !== 'include' && d.name.value !== 'skip')) continue;
    const value = arg.kind === 'Variable' ? variables[arg.name.value] : arg.kind === 'BooleanValue' ? arg.value : true;
    if ((d.name.value === 'include') !== Boolean(value)) return false;
  }
  return true;
}

/**
 * Whether the field being resolved selects its sub-field `name` (directly, through fragments, honouring
 * @include/@skip).
 */
export function selects(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    set !== undefined &&
    set.selections.some((s) => {
      if (!included(s, info.variableValues)) return false;
      if (s.kind === 'Field') return s.name.value === name;
      return visit(s.kind === 'InlineFragment' ? s.selectionSet : info.fragments[s.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((n) => visit(n.selectionSet));
}
