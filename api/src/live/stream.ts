// A subscription's stream of deliveries, built on the live bus.
//
// Each event is handled in the subscriber's own context, renewed first: the
// token is checked again (revoked, expired, user disabled → the connection is
// closed with 4401), the viewer's roles are re-read, loaders start empty, and
// the handler re-authorizes and reloads what it delivers. So a need-to-know
// change takes effect at the next event, not at the next reconnect.
//
// What thousands of subscribers would each ask of the database for one event
// (the token check, the case row, its members, a filter) is asked once: the
// bus hands the same payload object to every listener, and `Shared` caches
// per payload object.
//
// Backpressure: payloads wait in a bounded queue per subscription, and the
// connection's unsent bytes are watched; past either limit the connection is
// closed with 4413, so a client that does not read cannot grow the server.
import { DomainError } from '@psirt/schema';
import DataLoader from 'dataloader';
import { Repeater } from 'graphql-yoga';
import { ANONYMOUS, type Viewer, viewersByTokenId } from '../auth.ts';
import type { Context } from '../context.ts';
import type { LiveEvent, LiveTopic } from './bus.ts';

/** WebSocket close codes the live API uses (besides graphql-ws's own). */
export const CLOSE = {
  /** The token was revoked or expired, or its user disabled, while subscribed. */
  unauthorized: 4401,
  /** The client did not read its messages: too many waiting, or too many unsent bytes. */
  slowConsumer: 4413,
} as const;

export interface LiveLimits {
  /** Events waiting for one subscription (default 100). */
  queue: number;
  /** Bytes waiting to be written to one connection (default 1 MiB). */
  bufferedBytes: number;
}
export const DEFAULT_LIVE_LIMITS: LiveLimits = { queue: 100, bufferedBytes: 1 << 20 };

/** Per-event work shared by every subscriber of that event. */
export interface Shared {
  /** Runs `load` once per event for this key; every caller gets the same promise. */
  once<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** The viewer of a token as it is now; null when no longer valid. One statement for all tokens. */
  viewer(tokenId: string): Promise<Viewer | null>;
}

const shared = new WeakMap<object, Shared>();

/** Where a delivered item came from: its event's Shared, and its place among the event's items. */
export interface ItemShare {
  shared: Shared;
  index: number;
}
const shares = new WeakMap<object, ItemShare>();
/** The event an item was delivered for (shared-execution.ts groups executions by it); none for an Ending. */
export const shareOf = (item: unknown): ItemShare | undefined =>
  typeof item === 'object' && item !== null ? shares.get(item) : undefined;

function sharedFor(payload: object, ctx: Context): Shared {
  let s = shared.get(payload);
  if (!s) {
    const cache = new Map<string, Promise<unknown>>();
    const viewers = new DataLoader<string, Viewer | null>(async (ids) => {
      const found = await viewersByTokenId(ctx, ids, ctx.now());
      return ids.map((id) => found.get(id) ?? null);
    });
    s = {
      once<T>(key: string, load: () => Promise<T>) {
        let p = cache.get(key);
        if (!p) {
          p = load();
          cache.set(key, p);
        }
        return p as Promise<T>;
      },
      viewer: (tokenId) => viewers.load(tokenId),
    };
    shared.set(payload, s);
  }
  return s;
}

/** The last item of a stream that ends in an error (delivered as a GraphQL error, then completed). */
export interface Ending {
  readonly ending: DomainError;
}
export const isEnding = (x: unknown): x is Ending => typeof x === 'object' && x !== null && 'ending' in x;

/**
 * Resolves a delivery: an Ending becomes the error the subscriber receives
 * (their last message before the subscription completes).
 */
export function delivered<R>(item: R | Ending): R {
  if (isEnding(item)) throw item.ending;
  return item;
}

/**
 * The deliveries of one subscription: for each payload of `topic` that `wanted`
 * keeps (a cheap test on ids), what `handle` returns, in order. `handle` may
 * return an Ending to stop the subscription with an error.
 */
export function liveStream<T extends LiveTopic, R>(
  ctx: Context,
  topic: T,
  wanted: (payload: LiveEvent[T]) => boolean,
  handle: (payload: LiveEvent[T], shared: Shared) => Promise<readonly (R | Ending)[]>,
  limits: LiveLimits = ctx.liveLimits,
): Repeater<R | Ending> {
  return new Repeater<R | Ending>(async (push, stop) => {
    const queue: LiveEvent[T][] = [];
    let wake: (() => void) | undefined;
    let overflowed = false;
    let stopped = false;
    const unlisten = ctx.live.listen(topic, (payload) => {
      if (stopped || overflowed || !wanted(payload)) {
        ctx.live.markHandled();
        return;
      }
      if (queue.length >= limits.queue || ctx.transport.buffered() > limits.bufferedBytes) {
        ctx.live.markHandled();
        overflowed = true;
        ctx.log.warn(
          { waiting: queue.length, unsentBytes: ctx.transport.buffered() },
          'live subscriber too slow; closing its connection',
        );
        ctx.transport.close(CLOSE.slowConsumer, 'Slow consumer: too many updates waiting to be sent');
      } else {
        queue.push(payload);
      }
      wake?.();
    });
    stop.then(() => {
      stopped = true;
      unlisten();
      wake?.();
    });

    while (!stopped && !overflowed) {
      const payload = queue.shift();
      if (!payload) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      try {
        const s = sharedFor(payload, ctx);
        const { viewer } = ctx;
        if (viewer.kind === 'anonymous') {
          ctx.renew(ANONYMOUS);
        } else {
          const now = await s.viewer(viewer.tokenId);
          if (!now) {
            ctx.transport.close(CLOSE.unauthorized, 'The API token was revoked or has expired.');
            await push({ ending: new DomainError('UNAUTHENTICATED', 'The API token is invalid, expired or revoked.') });
            break;
          }
          ctx.renew(now);
        }
        let ended = false;
        for (const [index, item] of (await handle(payload, s)).entries()) {
          if (!isEnding(item) && typeof item === 'object' && item !== null) shares.set(item, { shared: s, index });
          await push(item);
          if (isEnding(item)) {
            ended = true;
            break;
          }
        }
        if (ended) break;
      } catch (error) {
        // A failed reload loses this one delivery, not the subscription.
        ctx.log.error({ err: error, topic }, 'live delivery failed');
      } finally {
        ctx.live.markHandled();
      }
    }
    unlisten();
    stop();
  });
}
