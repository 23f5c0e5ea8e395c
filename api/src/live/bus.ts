// The live-update bus: what changed, by id, to every API instance.
//
// A committed unit of work publishes the ids of its timeline events; each
// subscription reloads and re-authorizes what it delivers (live/stream.ts).
// In-process by default; with a Redis URL, through Redis pub/sub
// (@graphql-yoga/redis-event-target on ioredis), so a change made on one
// instance reaches the subscribers of all of them. Rows never travel: a
// payload is ids and event types, so nothing confidential sits in Redis.
import { setMaxListeners } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

export interface LiveEvent {
  /** Something happened to a case: its timeline events, in order. */
  case: { caseId: string; events: { id: string; type: string }[] };
  /** A report arrived or was triaged (the analysts' triage queue changed). */
  report: { reportId: string; events: { id: string; type: string }[] };
  /** Something happened to an advisory (review, vote, decision, publication…). */
  advisory: { advisoryId: string; events: { id: string; type: string }[] };
  /** Third-party CVEs newly matched to components: the assessments created. */
  assessment: { assessmentIds: string[] };
}

export type LiveTopic = keyof LiveEvent;
const TOPICS: readonly LiveTopic[] = ['case', 'report', 'advisory', 'assessment'];

export interface LiveBus {
  readonly kind: 'memory' | 'redis';
  publish<T extends LiveTopic>(topic: T, payload: LiveEvent[T]): void;
  /** Calls `fn` with every payload of the topic until the returned function is called. */
  listen<T extends LiveTopic>(topic: T, fn: (payload: LiveEvent[T]) => void): () => void;
  /** Listeners in this process (live subscriptions being served here), in all or of one topic. */
  listeners(topic?: LiveTopic): number;
  /**
   * Payloads that subscriptions in this process are done with — delivered,
   * found not for them, or dropped — since the start. A test or a metric can
   * wait for every listener of an event to be done with it.
   */
  handled(): number;
  /** A subscription is done with one payload (live/stream.ts). */
  markHandled(): void;
  /** Payloads published from this process since the start, in all or of one topic. */
  published(topic?: LiveTopic): number;
  /** Resolves once the bus delivers (Redis: connected and subscribed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface LiveBusOptions {
  /** redis:// URL: share events between instances. Without it, events stay in this process. */
  redisUrl?: string;
  /** Channel prefix, so several platforms (or test runs) can share one Redis. */
  channelPrefix?: string;
  log: Logger;
}

export function createLiveBus(options: LiveBusOptions): LiveBus {
  const prefix = options.channelPrefix ?? 'psirt:';
  const channel = (topic: LiveTopic) => `${prefix}${topic}`;
  const log = options.log;

  let target: EventTarget;
  // One EventTarget listener per topic, which calls the topic's subscriptions in
  // turn: dispatching an Event to thousands of EventTarget listeners costs a
  // wrapper and a bookkeeping step each, a Set's loop nothing.
  const listening = new Map<LiveTopic, Set<(payload: never) => void>>();
  const publishedCount = new Map<LiveTopic, number>();
  let handled = 0;
  let ready: () => Promise<void> = async () => {};
  let close: () => Promise<void> = async () => {};
  if (options.redisUrl) {
    const redisOptions = {
      // Reconnect forever; commands issued while disconnected wait (publish) rather than fail.
      maxRetriesPerRequest: null,
      connectionName: 'psirt-live',
    };
    const publishClient = new Redis(options.redisUrl, redisOptions);
    const subscribeClient = new Redis(options.redisUrl, redisOptions);
    for (const [name, client] of [
      ['publish', publishClient],
      ['subscribe', subscribeClient],
    ] as const) {
      client.on('error', (error) => log.warn({ err: error, client: name }, 'Redis connection problem; reconnecting'));
    }
    target = createRedisEventTarget({ publishClient, subscribeClient }) as EventTarget;
    // Subscribe to every channel up front (the event target subscribes lazily
    // on the first listener, without a way to wait for it).
    const subscribed = subscribeClient.subscribe(...TOPICS.map(channel));
    subscribed.catch(() => {});
    ready = async () => {
      await subscribed;
      await publishClient.ping();
    };
    close = async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    };
  } else {
    target = new EventTarget();
    // One listener per subscription: thousands are expected, not a leak.
    setMaxListeners(0, target);
  }

  return {
    kind: options.redisUrl ? 'redis' : 'memory',
    publish(topic, payload) {
      publishedCount.set(topic, (publishedCount.get(topic) ?? 0) + 1);
      target.dispatchEvent(new CustomEvent(channel(topic), { detail: payload }));
    },
    listen(topic, fn) {
      // One payload object is handed to every listener of an event (both
      // targets do so): live/stream.ts keys its per-event caches on it.
      let fns = listening.get(topic);
      if (!fns) {
        const all = new Set<(payload: never) => void>();
        fns = all;
        listening.set(topic, all);
        target.addEventListener(channel(topic), (event) => {
          const payload = (event as CustomEvent).detail as never;
          for (const f of all) {
            try {
              f(payload);
            } catch (error) {
              log.error({ err: error, topic }, 'live listener failed');
            }
          }
        });
      }
      // A function of its own, so the same fn may listen twice and each unlisten removes one.
      const listener = (payload: never) => fn(payload);
      fns.add(listener);
      return () => {
        fns.delete(listener);
      };
    },
    listeners: (topic) =>
      topic ? (listening.get(topic)?.size ?? 0) : [...listening.values()].reduce((n, fns) => n + fns.size, 0),
    handled: () => handled,
    published: (topic) =>
      topic ? (publishedCount.get(topic) ?? 0) : [...publishedCount.values()].reduce((n, count) => n + count, 0),
    markHandled: () => {
      handled += 1;
    },
    ready: () => ready(),
    close: () => close(),
  };
}
