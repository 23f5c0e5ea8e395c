// Operation limits: what the API refuses before executing anything, and the
// time budget of what it executes. Each limit is an envelop plugin from the
// ecosystem (GraphQL Armor's rules, graphql-js's own token limit, Pothos's
// complexity plugin in builder.ts); only the wiring and the budget are ours.

import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { DomainError } from '@psirt/schema';
import {
  type DocumentNode,
  defaultFieldResolver,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getOperationAST,
  isIntrospectionType,
  isObjectType,
  parse,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isStackOverflow, TOO_DEEP } from '../errors.ts';

export interface OperationLimits {
  /** Aliased fields in one operation. */
  aliases: number;
  /** Nesting of selections (introspection excepted). */
  depth: number;
  /** Lexical tokens in one document (its size, whatever the spacing). */
  tokens: number;
  /** Directives in one operation. */
  directives: number;
  /** Estimated cost: 1 a field; a list's selections × its `first` (connections) or × 10. */
  complexity: number;
  /** Wall-clock budget of a query, in ms (mutations finish what they started). */
  timeoutMs: number;
  /** Largest request body on /graphql, in bytes: an operation needs kilobytes; uploads have their own routes. */
  bodyBytes: number;
}

/**
 * Far above what GraphiQL (its introspection query included), the Slack bot
 * and the README's dashboards send: the dashboard query costs about 12,000 at
 * `first: 50`, nests 6 deep and uses no aliases.
 */
export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  aliases: 30,
  depth: 15,
  tokens: 5_000,
  directives: 50,
  complexity: 50_000,
  timeoutMs: 15_000,
  bodyBytes: 1024 * 1024,
};

/** Marks an error from a limit with the platform's code (Armor's rules leave `extensions` empty). */
const coded = (error: GraphQLError) => {
  Object.assign(error.extensions, { code: 'OPERATION_LIMIT' });
};
const armor = { exposeLimits: true, onReject: [(_ctx: unknown, error: GraphQLError) => coded(error)] };

/**
 * Parsing with graphql-js's own token limit, and a document nested so deeply
 * that the recursive parser runs out of stack (a 5,000-deep list literal) is
 * a client's error, not the server's.
 */
function useBoundedParser(tokens: number): Plugin {
  const boundedParse = (source: Parameters<typeof parse>[0], options?: Parameters<typeof parse>[1]) => {
    try {
      return parse(source, { ...options, maxTokens: tokens });
    } catch (error) {
      if (isStackOverflow(error)) {
        throw new GraphQLError(`Syntax Error: ${TOO_DEEP}`, { extensions: { code: 'OPERATION_LIMIT' } });
      }
      if (error instanceof Error && /more th\w+ \d+ tokens/i.test(error.message)) {
        throw new GraphQLError(`Syntax Error: Token limit of ${tokens} exceeded.`, {
          extensions: { code: 'OPERATION_LIMIT' },
        });
      }
      throw error;
    }
  };
  return {
    onParse({ setParseFn }) {
      setParseFn(boundedParse as typeof parse);
    },
  };
}

/** What an onExecute / onSubscribe hook of the rules in server/ receives. */
export interface OperationHook<C = unknown> {
  args: {
    schema: GraphQLSchema;
    document: DocumentNode;
    variableValues?: unknown;
    operationName?: string | null;
    contextValue: C;
  };
  setResultAndStopExecution(result: { errors: GraphQLError[] }): void;
}

/** The type of the operation a request runs (query, mutation, subscription). */
export const operationOf = (document: DocumentNode, name?: string | null) => getOperationAST(document, name)?.operation;

// The budgets of the queries running now, by their context. Module-level, with
// the one resolver hook below, because that hook wraps the resolvers of the
// schema object itself, which every app in a process shares: one hook per app
// would wrap them again for each app built (the test suites build dozens).
const budgets = new WeakMap<object, { deadline: number; controller: AbortController; expired(): DomainError }>();
// Not on fields without a resolver of their own (a column read from the row: Pothos's `expose`):
// wrapping each of a large page's four thousand fields was 16 % of its CPU, and a
// chain long enough to matter runs through resolvers that do work.
//
// Written here rather than with @envelop/on-resolve, which this replaced: its
// wrapper builds an argument object, two closures and promise helpers for
// every field it resolves — a fifth of all the memory a dashboard page
// allocated. This wrapper allocates nothing: a WeakMap lookup and a clock read.
const wrapped = Symbol('psirt.deadlineChecked');
const deadlineHook: Plugin = {
  onSchemaChange({ schema }) {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || isIntrospectionType(type)) continue;
      for (const field of Object.values(type.getFields()) as (GraphQLField<unknown, unknown> & {
        [wrapped]?: true;
      })[]) {
        const resolve = field.resolve;
        if (field[wrapped] || !resolve || resolve === defaultFieldResolver || resolve.name === 'defaultFieldResolver')
          continue;
        field.resolve = (root, args, context, info) => {
          const budget = budgets.get(context as object);
          if (budget && performance.now() > budget.deadline) {
            const reason = budget.expired();
            budget.controller.abort(reason);
            throw reason;
          }
          return resolve(root, args, context, info);
        };
        field[wrapped] = true;
      }
    }
  },
};

/**
 * The wall-clock budget: a query still running after `ms` is cancelled and
 * answered with TIMEOUT. Two ways, because a query can run long in two ways:
 * waiting on the network (PostgreSQL) — a timer aborts the signal Yoga's
 * executor watches — or in a chain of promises that never yields to the
 * event loop (PGlite runs in-process), where no timer can fire: there, each
 * field's resolver checks the deadline before it runs. It covers queries
 * only: a mutation cut short after its transaction committed would lose the
 * answer its caller needs (a reporter token, a new id), and subscriptions are
 * long-lived by design (their own limits are in live/).
 */
function useOperationTimeout(ms: number): Plugin[] {
  const expired = () => new DomainError('TIMEOUT', `The query ran past its ${ms / 1000} s budget and was cancelled.`);
  const timer: Plugin = {
    onExecute({ args }) {
      if (operationOf(args.document, args.operationName) !== 'query') return;
      const controller = new AbortController();
      budgets.set(args.contextValue, { deadline: performance.now() + ms, controller, expired });
      const timeout = setTimeout(() => controller.abort(expired()), ms);
      // Yoga's executor reads `signal`.
      (args as { signal?: AbortSignal }).signal = controller.signal;
      return {
        onExecuteDone() {
          clearTimeout(timeout);
          budgets.delete(args.contextValue);
        },
      };
    },
  };
  return [timer as Plugin, deadlineHook];
}

/** Every limit but the cost (Pothos's complexity plugin, configured in builder.ts from the context). */
export function operationLimitPlugins(limits: OperationLimits): Plugin[] {
  return [
    useBoundedParser(limits.tokens),
    maxAliasesPlugin({ n: limits.aliases, ...armor }) as Plugin,
    maxDepthPlugin({ n: limits.depth, ignoreIntrospection: true, flattenFragments: true, ...armor }) as Plugin,
    maxDirectivesPlugin({ n: limits.directives, ...armor }) as Plugin,
    ...useOperationTimeout(limits.timeoutMs),
  ];
}
