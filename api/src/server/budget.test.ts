import { DomainError } from '@psirt/schema';
import { describe, expect, it } from 'vitest';
import { ClientGate, DEFAULT_CLIENT_BUDGET } from './budget.ts';

const limits = { ...DEFAULT_CLIENT_BUDGET, perClient: 100, total: 150, cheap: 5, queue: 3, maxWaitMs: 60_000 };

describe('each client’s share of the instance', () => {
  it('lets cheap operations through at once, whatever is running', async () => {
    const gate = new ClientGate(limits);
    await gate.acquire('a', 100);
    await gate.acquire('b', 50);
    const release = await gate.acquire('c', 5);
    release();
    expect(gate.inFlight()).toBe(150);
  });

  it('queues a client’s heavy operations behind each other, and serves waiting clients in turn', async () => {
    const gate = new ClientGate(limits);
    const order: string[] = [];
    const take = (client: string, cost: number, name: string) =>
      gate.acquire(client, cost).then((release) => {
        order.push(name);
        return release;
      });
    const a1 = await take('heavy', 100, 'heavy 1');
    // The heavy client sends three more before the light one sends its two.
    const queued = [take('heavy', 100, 'heavy 2'), take('heavy', 100, 'heavy 3'), take('heavy', 100, 'heavy 4')];
    const light = [take('light', 40, 'light 1'), take('light', 40, 'light 2')];
    await Promise.resolve();
    // The light client's first fits beside the heavy one's at once; its second would pass the total.
    const [first, second] = light as [Promise<() => void>, Promise<() => void>];
    const releaseFirst = await first;
    expect(order).toEqual(['heavy 1', 'light 1']);
    releaseFirst();
    // With room for one more, the light client's next goes: its queue is its own.
    const releaseSecond = await second;
    expect(order).toEqual(['heavy 1', 'light 1', 'light 2']);
    releaseSecond();
    a1();
    for (const q of queued) (await q)();
    expect(order).toEqual(['heavy 1', 'light 1', 'light 2', 'heavy 2', 'heavy 3', 'heavy 4']);
    expect(gate.inFlight()).toBe(0);
  });

  it('starts a client’s first operation even when it alone is over the budget', async () => {
    const gate = new ClientGate(limits);
    const release = await gate.acquire('big', 1000);
    expect(gate.inFlight('big')).toBe(1000);
    release();
  });

  it('refuses a client with a full queue at once, and one that waited too long, saying when to try again', async () => {
    const gate = new ClientGate(limits);
    await gate.acquire('a', 100);
    const waiting = [gate.acquire('a', 100), gate.acquire('a', 100), gate.acquire('a', 100)];
    const full = await gate.acquire('a', 100).catch((e: unknown) => e);
    expect(DomainError.is(full) && [full.code, full.retryAfterSeconds]).toEqual(['RATE_LIMITED', 1]);
    const impatient = new ClientGate({ ...limits, maxWaitMs: 10 });
    await impatient.acquire('a', 100);
    const late = await impatient.acquire('a', 100).catch((e: unknown) => e);
    expect(DomainError.is(late) && [late.code, late.retryAfterSeconds]).toEqual(['UNAVAILABLE', 2]);
    void waiting;
  });
});
