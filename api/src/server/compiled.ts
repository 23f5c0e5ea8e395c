// Queries that come back are compiled (graphql-jit): the operation becomes one
// JavaScript function that walks exactly its own selection, instead of
// graphql-js interpreting the document field by field. On the dashboard's page
// (50 cases, ~4,300 fields) that took the GraphQL layer's share of a request
// from most of it to a small part (`npm run bench -- api`).
//
// Written here rather than taken from @envelop/graphql-jit, which compiles
// every document on first sight and keeps each compiled function as long as
// its document lives: a client sending many one-off documents would make this
// instance compile and hold them all. Here a document is compiled the second
// time it is run (a dashboard or an integrator repeats theirs), at most
// `max` compiled documents are kept (least recently used go first), and
// anything else runs through Yoga's own executor, as do mutations and
// subscriptions. Two more differences with the plugin:
//   - variables are coerced by graphql-js first, so a bad value is refused
//     with graphql-js's message, naming the variable, as without compilation;
//   - the query's time budget (limits.ts) still ends it: graphql-jit does not
//     watch an AbortSignal, so the execution is raced against it;
//   - its errors are graphql-js GraphQLErrors located in the document, as the
//     interpreter's are (Yoga rebuilds errors from source positions, and would
//     drop graphql-jit's bare `locations`).
// graphql-jit does report every failed field of an object whose non-null field
// failed, where graphql-js stops at the first: the data are the same.
//
// graphql-jit calls an object type's isTypeOf with the value alone and
// treats a promise as true, so no authorization may live there: Pothos's
// scope-auth runs type rules in the fields (runScopesOnType stays off), and
// compiled.test.ts checks the schema has no isTypeOf at all.
import { getDocumentString, type Plugin } from '@envelop/core';
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  type OperationDefinitionNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

type Entry = { seen: number; compiled?: CompiledQuery; failed?: boolean };

export interface CompiledQueryOptions {
  /** Compiled documents kept (default 200). */
  max?: number;
  /** Runs of a document before it is compiled (default 2). */
  compileAfter?: number;
  /** Told of each compilation (the operation's name), for the log and the tests. */
  onCompile?: (operationName: string | undefined) => void;
}

export function useCompiledQueries(options: CompiledQueryOptions = {}): Plugin {
  const max = options.max ?? 200;
  const compileAfter = options.compileAfter ?? 2;
  // Insertion order is recency: an entry is deleted and set again when used.
  // Keyed by operation and document: a document may hold several operations, each compiled for itself.
  const entries = new Map<string, Entry>();

  const entryFor = (key: string): Entry => {
    let entry = entries.get(key);
    if (entry) entries.delete(key);
    else entry = { seen: 0 };
    entries.set(key, entry);
    if (entries.size > max) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    return entry;
  };

  return {
    onExecute({ args, setExecuteFn }) {
      const document = args.document as DocumentNode;
      const operation = getOperationAST(document, args.operationName);
      if (operation?.operation !== 'query') return;
      // A document Yoga did not parse from text (none today) has no string to key on: interpreted.
      const text = getDocumentString(document);
      if (text === undefined) return;
      const entry = entryFor(`${operation.name?.value ?? ''}\n${text}`);
      entry.seen += 1;
      if (entry.failed || entry.seen < compileAfter) return;
      if (!entry.compiled) {
        const result = compileQuery(args.schema, document, args.operationName ?? undefined);
        if (!isCompiledQuery(result)) {
          // Something graphql-jit does not do: this document keeps to the interpreter.
          entry.failed = true;
          return;
        }
        entry.compiled = result;
        options.onCompile?.(operation.name?.value);
      }
      const compiled = entry.compiled;
      setExecuteFn((executeArgs) =>
        runCompiled(
          compiled,
          executeArgs.schema,
          document,
          operation,
          executeArgs.rootValue,
          executeArgs.contextValue,
          executeArgs.variableValues ?? {},
          (executeArgs as { signal?: AbortSignal }).signal,
        ),
      );
    },
  };
}

async function runCompiled(
  compiled: CompiledQuery,
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rootValue: unknown,
  contextValue: unknown,
  variables: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<ExecutionResult> {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
  if (coerced.errors) return { errors: coerced.errors };
  signal?.throwIfAborted();
  const running = Promise.resolve(compiled.query(rootValue, contextValue, variables)).then((result) =>
    result.errors ? { ...result, errors: result.errors.map((e) => locatedIn(document, e)) } : result,
  );
  if (!signal) return running;
  return new Promise<ExecutionResult>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    running.then(
      (r) => {
        signal.removeEventListener('abort', abort);
        resolve(r);
      },
      (e) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

/** graphql-jit's error as a graphql-js one, at the same places of the document's source. */
function locatedIn(document: DocumentNode, error: GraphQLError): GraphQLError {
  const source = document.loc?.source;
  // (graphql-jit's errors inherit from GraphQLError but have no nodes or positions.)
  if (!source || error.positions || !error.locations?.length) return error;
  const lineStarts = [0];
  for (let i = source.body.indexOf('\n'); i !== -1; i = source.body.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const positions = (error.locations ?? []).map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1);
  return new GraphQLError(error.message, {
    source,
    positions,
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
}
