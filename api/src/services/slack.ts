// Which Slack channels hear of which cases (set by the PSIRT through /psirt
// subscribe; read by the bot). A handful of rows: kept as one setting.
import type { Db } from '@psirt/db';
import { DomainError, SEVERITIES, type Severity } from '@psirt/schema';
import { z } from 'zod';
import { PSIRT_ROLES, readsAllCases, requireRole } from '../access.ts';
import type { Context } from '../context.ts';
import { parseInput, unitOfWork } from './unit.ts';

const KEY = 'slack.channels';

export interface ChannelSubscription {
  channelId: string;
  /** Product keys; empty: every product. */
  products: string[];
  minSeverity: Severity | null;
  /** Also embargoed cases: only for a private channel set aside for them. */
  embargoed: boolean;
}

const Input = z.object({
  channelId: z.string().regex(/^[CG][A-Z0-9]{6,}$/, 'a Slack channel id, e.g. C0123ABCD'),
  products: z.array(z.string().min(1)).default([]),
  minSeverity: z.enum(SEVERITIES).nullable().default(null),
  embargoed: z.boolean().default(false),
  /** Whether Slack says the channel is private (the bot asks it). */
  private: z.boolean(),
});

export async function readChannelSubscriptions(db: Db): Promise<ChannelSubscription[]> {
  const row = await db.setting.findUnique({ where: { key: KEY } });
  return (row?.value as ChannelSubscription[] | undefined) ?? [];
}

/** The subscriptions, for the PSIRT and the bot. */
export function channelSubscriptions(ctx: Context): Promise<ChannelSubscription[]> {
  if (!readsAllCases(ctx.viewer)) throw new DomainError('FORBIDDEN', 'Your roles do not allow this.');
  return readChannelSubscriptions(ctx.db);
}

export async function subscribeChannel(ctx: Context, raw: z.input<typeof Input>): Promise<ChannelSubscription> {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(Input, raw);
  if (input.embargoed && !input.private) {
    throw new DomainError(
      'VALIDATION',
      'Embargoed cases are announced only in a private channel set aside for them; this channel is public.',
      'input.embargoed',
    );
  }
  const products = input.products.length
    ? await ctx.db.product.findMany({ where: { key: { in: input.products } }, select: { key: true } })
    : [];
  const unknown = input.products.filter((p) => !products.some((x) => x.key === p));
  if (unknown.length) throw new DomainError('VALIDATION', `no product ${unknown.join(', ')}`, 'input.products');
  const entry: ChannelSubscription = {
    channelId: input.channelId,
    products: input.products,
    minSeverity: input.minSeverity,
    embargoed: input.embargoed,
  };
  return unitOfWork(ctx, async (u) => {
    const row = await u.tx.setting.findUnique({ where: { key: KEY } });
    const list = ((row?.value as ChannelSubscription[] | undefined) ?? []).filter(
      (s) => s.channelId !== entry.channelId,
    );
    const value = [...list, entry];
    await u.tx.setting.upsert({
      where: { key: KEY },
      create: { key: KEY, value: value as never, updatedById: u.actor.userId },
      update: { value: value as never, updatedById: u.actor.userId },
    });
    u.audit('slack.channel.subscribed', { type: 'Setting', id: KEY }, { ...entry });
    return entry;
  });
}

export async function unsubscribeChannel(ctx: Context, channelId: string): Promise<boolean> {
  requireRole(ctx, PSIRT_ROLES);
  return unitOfWork(ctx, async (u) => {
    const row = await u.tx.setting.findUnique({ where: { key: KEY } });
    const list = (row?.value as ChannelSubscription[] | undefined) ?? [];
    const kept = list.filter((s) => s.channelId !== channelId);
    if (kept.length === list.length) return false;
    await u.tx.setting.update({ where: { key: KEY }, data: { value: kept as never, updatedById: u.actor.userId } });
    u.audit('slack.channel.unsubscribed', { type: 'Setting', id: KEY }, { channelId });
    return true;
  });
}
