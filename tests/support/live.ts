// Live-update clients over the real transports: the graphql-ws client over a
// real WebSocket, and graphql-sse's client over real HTTP (Yoga's SSE).
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestApp } from './app.ts';

export interface Received<T = any> {
  /** Data of every `next` so far. */
  items: T[];
  /** Errors delivered in results (the ending of a subscription, for example). */
  errors: { message: string; extensions?: { code?: string } }[];
  /** Set when the server completed the subscription (or it failed). */
  done: Promise<void>;
  /** Resolves once `n` items have arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<T[]>;
  /** Resolves once the subscription has ended (rejects after `ms`). */
  ended(ms?: number): Promise<void>;
  /** The subscription's failure, when the transport failed it (a close event, an error). */
  failure: unknown;
  unsubscribe(): void;
}

function until<T>(what: string, ms: number, check: () => T | undefined, signal: Promise<unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > ms) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(tick, 10);
    };
    signal.then(tick, tick);
    tick();
  });
}

function collector<T>(): Received<T> & {
  sink: { next(v: any): void; error(e: unknown): void; complete(): void };
  setCancel(fn: () => void): void;
} {
  let finish!: () => void;
  let cancel = () => {};
  let isDone = false;
  const done = new Promise<void>((r) => {
    finish = () => {
      isDone = true;
      r();
    };
  });
  const r = {
    items: [] as T[],
    errors: [] as Received['errors'],
    failure: undefined as unknown,
    done,
    sink: {
      next(v: { data?: Record<string, T>; errors?: Received['errors'] }) {
        if (v.errors?.length) r.errors.push(...v.errors);
        const data = v.data && Object.values(v.data)[0];
        if (data !== undefined && data !== null) r.items.push(data);
      },
      error(e: unknown) {
        r.failure = e;
        finish();
      },
      complete: () => finish(),
    },
    setCancel(fn: () => void) {
      cancel = fn;
    },
    waitFor(n: number, ms = 5000) {
      return until(
        `${n} live items (have ${r.items.length})`,
        ms,
        () => (r.items.length >= n ? r.items : undefined),
        done,
      );
    },
    ended(ms = 5000) {
      return until('the subscription to end', ms, () => (isDone ? true : undefined), done).then(() => {});
    },
    unsubscribe: () => cancel(),
  };
  return r;
}

/** Waits until the app serves `n` more live listeners than `before` (the subscription is in place). */
export function listening(app: TestApp, atLeast: number, ms = 5000): Promise<number> {
  return until(
    `${atLeast} live listeners (have ${app.live.listeners()})`,
    ms,
    () => {
      const n = app.live.listeners();
      return n >= atLeast ? n : undefined;
    },
    new Promise(() => {}),
  );
}

/** Waits until the app serves no live subscription (the previous test's clients are gone). */
export function quiet(app: TestApp, ms = 5000): Promise<true> {
  return until(
    `no live listeners (have ${app.live.listeners()})`,
    ms,
    () => app.live.listeners() === 0 || undefined,
    new Promise(() => {}),
  );
}

export interface LiveWs {
  client: WsClient;
  /** Close events of the socket, newest last. */
  closes: { code: number; reason: string }[];
  /** The open WebSocket (from the ws package), once connected. */
  socket(ms?: number): Promise<WebSocket>;
  subscribe<T = any>(query: string, variables?: Record<string, unknown>): Received<T>;
  /** Resolves when the socket closed (rejects after `ms`). */
  closed(ms?: number): Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

/** A graphql-ws client signed in with `token` (anonymous without one). */
export function liveWs(app: TestApp, token?: string): LiveWs {
  const closes: LiveWs['closes'] = [];
  let socket: WebSocket | undefined;
  const client = createWsClient({
    url: app.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    on: {
      connected: (s) => {
        socket = s as WebSocket;
      },
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        closes.push({ code: ev.code, reason: String(ev.reason) });
      },
    },
    onNonLazyError: () => {},
  });
  return {
    client,
    closes,
    subscribe<T>(query: string, variables?: Record<string, unknown>) {
      const c = collector<T>();
      c.setCancel(client.subscribe({ query, variables }, c.sink));
      return c;
    },
    socket: (ms = 5000) => until('the socket to open', ms, () => socket, new Promise(() => {})),
    closed(ms = 5000) {
      return until('the socket to close', ms, () => closes.at(-1), new Promise(() => {}));
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** One subscription over SSE (Yoga's built-in, graphql-sse "distinct connections" mode). */
export function liveSse<T = any>(
  app: TestApp,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
) {
  const client = createSseClient({
    url: app.url,
    singleConnection: false,
    retryAttempts: 0,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const c = collector<T>();
  c.setCancel(client.subscribe({ query, variables }, c.sink));
  return Object.assign(c, { dispose: () => client.dispose() });
}
