/**
 * Input rules every door applies before anything executes, so no input
 * reaches a resolver or the store in a shape that fails there (a 500):
 * nesting of the query text and of JSON values, list lengths, NUL bytes.
 * Variables are screened by walking them without recursion (a value nested
 * 5,000 levels deep must not overflow the stack while it is being measured);
 * literals in the query text by a validation rule. Errors are BAD_USER_INPUT
 * naming the offending `field` as the variables spell it (`input.attributes.a.b`).
 */
import { type ASTNode, type ASTVisitor, GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';

/** Deepest nesting of lists and objects in one input value (JSON attributes, properties, filters). */
export const MAX_INPUT_DEPTH = 32;
/**
 * Longest list in an input. Above the longest list an operation takes (a
 * batch of 1,000 activities, which recordActivities checks itself and names
 * `inputs`), below what a store could not bind (SQLite: 32,766 variables).
 */
export const MAX_LIST_ITEMS = 5000;
/** Deepest nesting of brackets in a query text: selection depth (MAX_QUERY_DEPTH) plus argument nesting. */
export const MAX_TEXT_NESTING = 64;

const inputError = (field: string, message: string, extra: Record<string, unknown> = {}) =>
  new GraphQLError(`${field}: ${message}`, {
    extensions: { code: 'BAD_USER_INPUT', field, ...extra, http: { status: 400 } },
  });

/** A lone UTF-16 surrogate: not a character, and MariaDB's JSON and utf8mb4 columns refuse it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What makes a client's text unstorable (a NUL byte or a lone surrogate), or null. */
function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain NUL bytes (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (no lone surrogate such as \\ud800)';
  return null;
}

/**
 * Checks a request's variables; returns the first problem, or null. Strings
 * with a NUL byte or a lone surrogate, lists longer than MAX_LIST_ITEMS and values nested deeper
 * than MAX_INPUT_DEPTH are refused.
 */
export function screenVariables(variables: unknown): GraphQLError | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: variables, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return inputError(path, problem);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_INPUT_DEPTH)
      return inputError(path, `is nested deeper than ${MAX_INPUT_DEPTH} levels`, {
        limit: 'inputDepth',
        max: MAX_INPUT_DEPTH,
      });
    if (Array.isArray(value)) {
      if (value.length > MAX_LIST_ITEMS)
        return inputError(path, `has ${value.length} items; at most ${MAX_LIST_ITEMS} are accepted`, {
          limit: 'listLength',
          max: MAX_LIST_ITEMS,
        });
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], path: `${path}[${i}]`, depth: depth + 1 });
    } else {
      for (const [key, v] of Object.entries(value)) {
        const problem = textProblem(key);
        if (problem) return inputError(path || 'variables', `keys ${problem}`);
        stack.push({ value: v, path: path ? `${path}.${key}` : key, depth: depth + 1 });
      }
    }
  }
  return null;
}

/**
 * Deepest nesting of `{ [ (` in a query text outside strings and comments,
 * measured in one pass, before the (recursive) parser sees the text.
 */
export function textNesting(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '"') {
      const block = text.startsWith('"""', i);
      let end = block ? text.indexOf('"""', i + 3) : -1;
      // \""" inside a block string is an escaped quote, not its end.
      while (end > 0 && text[end - 1] === '\\') end = text.indexOf('"""', end + 3);
      if (block) i = end < 0 ? text.length : end + 2;
      else for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (ch === '{' || ch === '[' || ch === '(') max = Math.max(max, ++depth);
    else if (ch === '}' || ch === ']' || ch === ')') depth--;
  }
  return max;
}

/** The query-text rule: nesting at most MAX_TEXT_NESTING; throws BAD_USER_INPUT. */
export function screenQueryText(text: string): void {
  const nesting = textNesting(text);
  if (nesting > MAX_TEXT_NESTING)
    throw inputError('query', `is nested ${nesting} levels deep; at most ${MAX_TEXT_NESTING} are accepted`, {
      limit: 'textNesting',
      max: MAX_TEXT_NESTING,
    });
}

/** Validation rule: the same limits for literals written in the query text. */
export const InputLiteralsRule: ValidationRule = (context: ValidationContext): ASTVisitor => {
  let depth = 0;
  const report = (message: string, node: ASTNode) =>
    context.reportError(new GraphQLError(message, { nodes: node, extensions: { field: 'query' } }));
  const nest = {
    enter(node: ASTNode) {
      if (++depth === MAX_INPUT_DEPTH + 1)
        report(`An input value is nested deeper than ${MAX_INPUT_DEPTH} levels`, node);
    },
    leave() {
      depth--;
    },
  };
  return {
    StringValue(node) {
      const problem = textProblem(node.value);
      if (problem) report(`String values ${problem}`, node);
    },
    ListValue: {
      enter(node) {
        nest.enter(node);
        if (node.values.length > MAX_LIST_ITEMS)
          report(`A list value has ${node.values.length} items; at most ${MAX_LIST_ITEMS} are accepted`, node);
      },
      leave: nest.leave,
    },
    ObjectValue: nest,
  };
};
