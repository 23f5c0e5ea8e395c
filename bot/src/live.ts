// The bot's live feed: it subscribes, as itself, to the API's case, third-party
// match and advisory updates over graphql-ws, and hands each event to the
// plugins' reactions.
import type { LiveEvent, Reaction } from '@psirt/plugin-sdk';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { BotLogger } from './index.ts';

/**
 * Subscribes to what the reactions listen to. The client is returned at once
 * (whoever stops the bot disposes of it, subscribed or not); `subscribed`
 * resolves once connected, or fails after 10 s.
 */
export function subscribeLive(o: {
  wsUrl: string;
  /** The chat-ops service token. */
  token: string;
  reactions: readonly Pick<Reaction, 'on'>[];
  react(event: LiveEvent): Promise<void>;
  log: BotLogger;
}): { client: WsClient; subscribed: Promise<void> } {
  const live = createClient({
    url: o.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${o.token}` },
    // Reconnect for as long as the bot runs (the API restarts, the network blips).
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    lazy: false,
  });
  const subscribed = new Promise<void>((resolve, reject) => {
    const offConnected = live.on('connected', () => {
      offConnected?.();
      resolve();
    });
    setTimeout(() => reject(new Error(`the bot could not subscribe to ${o.wsUrl}`)), 10_000).unref();
  });
  if (o.reactions.some((r) => r.on === 'case')) {
    live.subscribe<{ caseUpdated: CaseUpdate }>(
      {
        query: `subscription { caseUpdated {
          publicId title state severity severityScore embargoUntil impacts { product { key } }
        } }`,
      },
      {
        next: ({ data }) => {
          const c = data?.caseUpdated;
          if (!c) return;
          void o.react({
            kind: 'case',
            publicId: c.publicId,
            title: c.title,
            state: c.state,
            severity: c.severity,
            severityScore: c.severityScore,
            embargoed: c.embargoUntil !== null && new Date(c.embargoUntil).getTime() > Date.now(),
            products: c.impacts.map((i) => i.product.key),
          });
        },
        error: (error) => o.log.error({ err: error }, 'the bot’s case subscription failed'),
        complete: () => {},
      },
    );
  }
  if (o.reactions.some((r) => r.on === 'assessment')) {
    live.subscribe<{ assessmentsMatched: { assessments: AssessmentPayload[] } }>(
      {
        query: `subscription { assessmentsMatched { assessments {
          id product { key } component { name version productVersion }
          vulnerability { cveId knownExploited epss } supplierCvss { baseScore severity }
        } } }`,
      },
      {
        next: ({ data }) => {
          const a = data?.assessmentsMatched.assessments;
          if (!a?.length) return;
          void o.react({
            kind: 'assessment',
            matches: a.map((m) => ({
              id: m.id,
              cveId: m.vulnerability.cveId,
              knownExploited: m.vulnerability.knownExploited,
              epss: m.vulnerability.epss ?? null,
              product: m.product.key,
              productVersion: m.component.productVersion,
              component: { name: m.component.name, version: m.component.version },
              supplierCvss: m.supplierCvss,
            })),
          });
        },
        error: (error) => o.log.error({ err: error }, 'the bot’s third-party match subscription failed'),
        complete: () => {},
      },
    );
  }
  if (o.reactions.some((r) => r.on === 'cra')) {
    live.subscribe<{ craDeadlineChanged: CraChange }>(
      {
        query: `subscription { craDeadlineChanged {
          type caseId stage threshold dueAt dueLocal detail
          notification { handle kind coordinatorCsirt stages { stage ordinal article } }
        } }`,
      },
      {
        next: ({ data }) => {
          const c = data?.craDeadlineChanged;
          if (!c) return;
          void o.react({
            kind: 'cra',
            type: c.type,
            caseId: c.caseId,
            notification: c.notification?.handle ?? null,
            notificationKind: c.notification?.kind ?? null,
            stage: c.stage,
            article: c.notification?.stages.find((s) => s.stage === c.stage)?.article ?? null,
            threshold: c.threshold,
            dueAt: c.dueAt,
            dueLocal: c.dueLocal,
            coordinator: c.notification?.coordinatorCsirt ?? null,
            detail: c.detail,
          });
        },
        error: (error) => o.log.error({ err: error }, 'the bot’s CRA subscription failed'),
        complete: () => {},
      },
    );
  }
  live.subscribe<{
    advisoryChanged: { type: string; advisory: { publicId: string; title: string; state: string } };
  }>(
    { query: 'subscription { advisoryChanged { type advisory { publicId title state } } }' },
    {
      next: ({ data }) => {
        const c = data?.advisoryChanged;
        if (c) void o.react({ kind: 'advisory', type: c.type, ...c.advisory });
      },
      error: (error) => o.log.error({ err: error }, 'the bot’s live subscription failed'),
      complete: () => {},
    },
  );
  return { client: live, subscribed };
}

interface CaseUpdate {
  publicId: string;
  title: string;
  state: string;
  severity: string | null;
  severityScore: number | null;
  embargoUntil: string | null;
  impacts: { product: { key: string } }[];
}

interface CraChange {
  type: string;
  caseId: string;
  stage: string | null;
  threshold: string | null;
  dueAt: string | null;
  dueLocal: string | null;
  detail: string | null;
  notification: {
    handle: string;
    kind: string;
    coordinatorCsirt: string | null;
    stages: { stage: string; ordinal: number; article: string }[];
  } | null;
}

interface AssessmentPayload {
  id: string;
  product: { key: string };
  component: { name: string; version: string | null; productVersion: string };
  vulnerability: { cveId: string; knownExploited: boolean; epss?: number | null };
  supplierCvss: { baseScore: number; severity: string | null } | null;
}
