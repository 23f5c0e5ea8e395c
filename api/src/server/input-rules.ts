// Rules every operation's input obeys, checked once before execution for all
// fields (rather than in each resolver): no text that the database cannot
// store or that no human wrote, and at most one anonymous report submission
// per request, so that every stored report's token reaches its reporter.
import {
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  getOperationAST,
  Kind,
  type SelectionSetNode,
  type ValueNode,
  visit,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { OperationHook } from './limits.ts';

/**
 * C0 control characters other than tab, line feed and carriage return (NUL
 * among them, which PostgreSQL refuses in text), and UTF-16 surrogates that
 * are not part of a pair (not encodable as UTF-8).
 */
const DISALLOWED =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string below `value` with a disallowed character (`input.reporter.name`), or null. */
function badString(value: unknown, path: string): string | null {
  if (typeof value === 'string') return DISALLOWED.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = badString(v, `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = badString(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return null;
}

function badLiteral(node: ValueNode, path: string, variables: Record<string, unknown>): string | null {
  switch (node.kind) {
    case Kind.STRING:
      return DISALLOWED.test(node.value) ? path : null;
    case Kind.VARIABLE:
      return badString(variables[node.name.value], path);
    case Kind.LIST:
      for (const [i, v] of node.values.entries()) {
        const found = badLiteral(v, `${path}.${i}`, variables);
        if (found) return found;
      }
      return null;
    case Kind.OBJECT:
      for (const f of node.fields) {
        const found = badLiteral(f.value, `${path}.${f.name.value}`, variables);
        if (found) return found;
      }
      return null;
    default:
      return null;
  }
}

function firstBadArgument(document: DocumentNode, variables: Record<string, unknown>): string | null {
  let found: string | null = null;
  visit(document, {
    Argument(node: ArgumentNode) {
      found ??= badLiteral(node.value, node.name.value, variables);
      return found ? false : undefined;
    },
  });
  return found;
}

/** The root fields an operation selects, through fragments. */
function rootFields(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, out: string[] = []) {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) out.push(s.name.value);
    else if (s.kind === Kind.INLINE_FRAGMENT) rootFields(s.selectionSet, fragments, out);
    else {
      const f = fragments.get(s.name.value);
      if (f) rootFields(f.selectionSet, fragments, out);
    }
  }
  return out;
}

const SUBMIT = 'submitVulnerabilityReport';

/** Both rules, before a query or mutation executes and before a subscription starts. */
export function useInputRules(): Plugin {
  const check = ({ args, setResultAndStopExecution }: OperationHook) => {
    const { document } = args;
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const bad = firstBadArgument(document, variables);
    if (bad) {
      setResultAndStopExecution({
        errors: [
          createGraphQLError(
            `'${bad}' is invalid: it contains a control character (such as NUL) or an unpaired surrogate; remove it.`,
            { extensions: { code: 'VALIDATION', field: bad } },
          ),
        ],
      });
      return;
    }
    const operation = getOperationAST(document, args.operationName);
    if (operation?.operation !== 'mutation') return;
    const fragments = new Map(
      document.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    const fields = rootFields(operation.selectionSet, fragments).filter((f) => f !== '__typename');
    if (fields.includes(SUBMIT) && fields.length > 1) {
      setResultAndStopExecution({
        errors: [
          createGraphQLError(
            `${SUBMIT} must be the only field of its request: send one report per request, so each report's token is answered.`,
            { extensions: { code: 'VALIDATION', field: SUBMIT } },
          ),
        ],
      });
    }
  };
  return { onExecute: check as never, onSubscribe: check as never };
}
