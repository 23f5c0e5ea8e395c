// The GraphQL server: Yoga over the Pothos schema, with the per-request
// context and, beside it, every rule about what a request may be (operation
// limits, input rules, CORS, browser-only protections, introspection).

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { initContextCache } from '@pothos/core';
import type { AuditBatcher, Database } from '@psirt/db';
import { DomainError, type SlaPolicy } from '@psirt/schema';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { authenticate, SLACK_USER_HEADER, type Viewer } from '../auth.ts';
import type { Context, Transport, WebFormSubmission } from '../context.ts';
import { createMaskError, domainToGraphQL } from '../errors.ts';
import { schema } from '../graph/index.ts';
import type { LiveBus } from '../live/bus.ts';
import { useSharedLiveExecution } from '../live/shared-execution.ts';
import type { LiveLimits } from '../live/stream.ts';
import type { WsInitialContext } from '../live/ws.ts';
import { createLoaders } from '../loaders.ts';
import type { Logger } from '../logger.ts';
import { SLA_KEY, slaFrom } from '../services/settings.ts';
import { useBotAccountReadOnly } from './bot-account.ts';
import { type ClientGate, useClientBudget } from './budget.ts';
import { useCompiledQueries } from './compiled.ts';
import { corsPolicy, graphiqlSecurity, useJsonOnlyPosts } from './http-rules.ts';
import { useInputRules } from './input-rules.ts';
import { useIntrospectionPolicy } from './introspection.ts';
import { type OperationLimits, operationLimitPlugins } from './limits.ts';

/** HTTP requests carry req/res; WebSocket operations carry `ws` (live/ws.ts). */
export type ServerContext =
  | { req: IncomingMessage; res: ServerResponse }
  | (WsInitialContext & { req: IncomingMessage })
  // The website calling in-process (yoga.fetch) for the request it serves.
  | { req: IncomingMessage; webForm?: WebFormSubmission };

export type ApiYoga = YogaServerInstance<ServerContext, Context>;

export interface YogaDeps {
  db: Database;
  log: Logger;
  now: () => Date;
  graphiql: boolean;
  auditBatcher: AuditBatcher;
  policy: Context['policy'];
  mailIntake: Context['mailIntake'];
  submissionLimiter: RateLimiterAbstract;
  calculatorLimiter: RateLimiterAbstract;
  live: LiveBus;
  liveLimits: LiveLimits;
  limits: OperationLimits;
  /** Browser origins allowed to call the API (CORS); none by default. */
  corsOrigins: readonly string[];
  /** Introspection (and field suggestions in errors) for anonymous callers and reporters too. */
  introspection: boolean;
  /** Each client's share of the instance (budget.ts). */
  gate: ClientGate;
}

const GRAPHIQL_TITLE = 'psirt GraphQL API';

export function createApiYoga(deps: YogaDeps): ApiYoga {
  const { db, log, now, auditBatcher } = deps;
  const graphiql = deps.graphiql ? graphiqlSecurity() : null;
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: graphiql ? { title: GRAPHIQL_TITLE } : false,
    ...(graphiql ? { renderGraphiQL: graphiql.render } : {}),
    cors: corsPolicy(deps.corsOrigins),
    maskedErrors: { maskError: createMaskError(log) },
    // The body is bounded before Yoga sees it (http.ts, PSIRT_MAX_BODY_BYTES) and handed over
    // read; Yoga's own limit would pipe every request's body through a counting stream again
    // (~15 % of a small request's CPU: the pipeline, its AbortController, a DOMException).
    maxRequestBodySize: false,
    plugins: [
      useJsonOnlyPosts(),
      ...operationLimitPlugins(deps.limits),
      useInputRules(),
      useIntrospectionPolicy(deps.introspection),
      useBotAccountReadOnly(),
      // What runs a query (compiled, or interpreted) is decided before the budget wraps it.
      useCompiledQueries({ onCompile: (operation) => log.debug({ operation }, 'query compiled') }),
      // Last of the refusals: what reaches it is an operation that will run, and waits for its share.
      useClientBudget(deps.gate),
      useSharedLiveExecution(),
      // "Did you mean …?" spells out the schema to whoever may not introspect it.
      ...(deps.introspection ? [] : [blockFieldSuggestionsPlugin({ mask: '' }) as Plugin]),
      ...(graphiql ? [graphiql.plugin] : []),
    ],
    // Yoga reports every error of every result at "error"; the ones that are
    // bugs are logged (with their stack) by maskError, the rest are answers.
    logging: {
      debug: (...args) => log.debug({ yoga: args }),
      info: (...args) => log.debug({ yoga: args }),
      warn: (...args) => log.warn({ yoga: args }),
      error: (...args) => log.debug({ yoga: args }),
    },
    context: async (initial) => {
      const ws = 'ws' in initial ? initial.ws : undefined;
      const request = 'request' in initial ? (initial.request as Request | undefined) : undefined;
      const requestId = request?.headers.get('x-request-id') ?? randomUUID();
      const res = 'res' in initial ? initial.res : undefined;
      const transport: Transport = ws?.transport ?? {
        kind: 'http',
        buffered: () => res?.writableLength ?? 0,
        close: () => res?.destroy(),
      };
      try {
        const viewer = await authenticate(
          db,
          ws ? ws.authorization : request?.headers.get('authorization'),
          now(),
          // Acting for a Slack user is for requests, not for long-lived subscriptions.
          ws ? undefined : request?.headers.get(SLACK_USER_HEADER),
        );
        let sla: Promise<SlaPolicy> | undefined;
        let slaRead: SlaPolicy | undefined;
        const context: Context = {
          viewer,
          db: db.prisma,
          log: log.child({ requestId }),
          requestId,
          sql: db.sql,
          prepared: db.prepared,
          loaders: createLoaders(db.sql, auditBatcher, viewer, requestId, now),
          now,
          sla() {
            sla ??= this.loaders.setting.load(SLA_KEY).then((value) => {
              slaRead = slaFrom(value);
              return slaRead;
            });
            return sla;
          },
          slaNow: () => slaRead,
          clientIp: initial.req?.socket.remoteAddress ?? 'unknown',
          ...('webForm' in initial && initial.webForm ? { webForm: initial.webForm } : {}),
          policy: deps.policy,
          mailIntake: deps.mailIntake,
          submissionLimiter: deps.submissionLimiter,
          calculatorLimiter: deps.calculatorLimiter,
          live: deps.live,
          liveLimits: deps.liveLimits,
          limits: deps.limits,
          transport,
          // `this`, not `context`: Yoga merges this object into the one resolvers get.
          renew(this: Context, fresh: Viewer) {
            this.viewer = fresh;
            this.loaders = createLoaders(db.sql, auditBatcher, fresh, requestId, now);
            sla = undefined;
            slaRead = undefined;
            // Pothos keeps per-request caches (authScopes results, selection
            // mappings) keyed on this: a new key makes each delivery a new request.
            Object.assign(this, initContextCache());
          },
          ...initContextCache(),
        };
        return context;
      } catch (error) {
        throw DomainError.is(error) ? domainToGraphQL(error) : error;
      }
    },
  });
}
