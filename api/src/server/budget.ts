// Each client's share of the server: an operation's estimated cost (the same
// estimate as the cost limit, Pothos's complexity) is held from the moment it
// starts executing until it is done, against two budgets — its client's, and
// the instance's. An operation that does not fit waits, in its client's queue;
// queues are served in turn, one operation from each client that can go, so
// one client's heavy pages queue behind each other, not in front of everyone.
// Cheap operations (a case, a report, `{ __typename }`) never wait. A client
// whose queue is full is told RATE_LIMITED at once; an operation that waited
// past the query budget, UNAVAILABLE — both with Retry-After.
//
// Hand-written: the npm limiters (p-limit, bottleneck, rate-limiter-flexible)
// count requests or operations per key, not a weight per client within a
// shared weight, served in turn.
import { complexityFromQuery } from '@pothos/plugin-complexity';
import { DomainError } from '@psirt/schema';
import { type DocumentNode, getOperationAST, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';

export interface ClientBudgetLimits {
  /** Estimated cost one client may have executing at once (its first operation always starts). */
  perClient: number;
  /** Estimated cost all clients may have executing at once on this instance. */
  total: number;
  /** Operations costing this much or less never wait. */
  cheap: number;
  /** Operations one client may have waiting; past it, RATE_LIMITED. */
  queue: number;
  /** Longest wait, in ms; past it, UNAVAILABLE. */
  maxWaitMs: number;
}

/**
 * Sized on a 2-core instance (`npm run bench -- abuse`): two dashboard pages (about 12,000
 * each) at once, or one of the heaviest pages the cost limit allows — which then run one after
 * the other, close to what one such page alone costs everyone else. A client holds one
 * dashboard page at a time (its first operation always starts, whatever its cost).
 */
export const DEFAULT_CLIENT_BUDGET: ClientBudgetLimits = {
  perClient: 15_000,
  total: 25_000,
  cheap: 500,
  queue: 32,
  maxWaitMs: 15_000,
};

interface Waiter {
  cost: number;
  grant(): void;
}

/** The budgets, and the clients' queues served in turn. */
export class ClientGate {
  private running = 0;
  private readonly byClient = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(readonly limits: ClientBudgetLimits) {}

  /** Waits until the operation fits; resolves with the release to call when it is done. */
  async acquire(client: string, cost: number): Promise<() => void> {
    const release = () => this.release(client, cost);
    if (cost <= this.limits.cheap) return () => {};
    const queue = this.waiting.get(client) ?? [];
    if (queue.length === 0 && this.fits(client, cost)) {
      this.take(client, cost);
      return release;
    }
    if (queue.length >= this.limits.queue) {
      throw new DomainError(
        'RATE_LIMITED',
        `You have ${queue.length} operations waiting already; send the next when one is answered.`,
        undefined,
        1,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        cost,
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const q = this.waiting.get(client) ?? [];
        q.splice(q.indexOf(waiter), 1);
        if (q.length === 0) this.waiting.delete(client);
        reject(
          new DomainError(
            'UNAVAILABLE',
            'The server is busy with heavy operations; try again in a moment.',
            undefined,
            2,
          ),
        );
      }, this.limits.maxWaitMs);
      timer.unref?.();
      queue.push(waiter);
      this.waiting.set(client, queue);
    });
    return release;
  }

  /** Estimated cost executing now, in all and for one client (tests and metrics). */
  inFlight(client?: string): number {
    return client === undefined ? this.running : (this.byClient.get(client) ?? 0);
  }

  /** Operations waiting, in all (tests and metrics). */
  waitingCount(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  private fits(client: string, cost: number): boolean {
    const mine = this.byClient.get(client) ?? 0;
    const clientOk = mine === 0 || mine + cost <= this.limits.perClient;
    const totalOk = this.running === 0 || this.running + cost <= this.limits.total;
    return clientOk && totalOk;
  }

  private take(client: string, cost: number) {
    this.running += cost;
    this.byClient.set(client, (this.byClient.get(client) ?? 0) + cost);
  }

  private release(client: string, cost: number) {
    this.running -= cost;
    const left = (this.byClient.get(client) ?? 0) - cost;
    if (left > 0) this.byClient.set(client, left);
    else this.byClient.delete(client);
    this.serve();
  }

  /** One operation from each client whose next one fits, in turn (Map order, the served client moved last). */
  private serve() {
    let granted = true;
    while (granted) {
      granted = false;
      for (const [client, queue] of this.waiting) {
        const next = queue[0];
        if (!next || !this.fits(client, next.cost)) continue;
        queue.shift();
        this.waiting.delete(client);
        if (queue.length) this.waiting.set(client, queue);
        this.take(client, next.cost);
        next.grant();
        granted = true;
      }
    }
  }
}

/** Whose budget an operation spends: the person (whichever token, or the bot acting for them), the reporter, or the address. */
export function clientOf(ctx: Context): string {
  const v = ctx.viewer;
  if (v.kind === 'user') return `user:${v.userId}`;
  if (v.kind === 'reporter') return `reporter:${v.reporterId}`;
  return `address:${ctx.clientIp}`;
}

/** The operation's estimated cost (1 when it cannot be estimated: execution will say what is wrong). */
function costOf(
  schema: Parameters<typeof complexityFromQuery>[1]['schema'],
  document: DocumentNode,
  o: {
    operationName?: string | null;
    variables?: Record<string, unknown>;
    ctx: Context;
  },
): number {
  const operation = getOperationAST(document, o.operationName);
  if (!operation) return 1;
  const only: DocumentNode = {
    ...document,
    definitions: document.definitions.filter((d) => d.kind !== Kind.OPERATION_DEFINITION || d === operation),
  };
  try {
    return complexityFromQuery(only, { schema, variables: o.variables ?? {}, ctx: o.ctx }).complexity;
  } catch {
    return 1;
  }
}

/** Queries and mutations wait for their share (subscriptions have their own limits, in live/). */
export function useClientBudget(gate: ClientGate): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const ctx = args.contextValue;
      const cost = costOf(args.schema, args.document, {
        operationName: args.operationName,
        variables: args.variableValues as Record<string, unknown> | undefined,
        ctx,
      });
      if (cost <= gate.limits.cheap) return;
      setExecuteFn(async (execArgs) => {
        const release = await gate.acquire(clientOf(ctx), cost);
        try {
          return await executeFn(execArgs);
        } finally {
          release();
        }
      });
    },
  };
}
