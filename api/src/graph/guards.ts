// Per-type guards for node(id:): types whose readability depends on the record
// (need-to-know membership, ownership) register one here. Types readable by
// role alone use `readableBy` (visibility.ts) instead.
import type { Context } from '../context.ts';

type Guard = (ctx: Context, id: string) => Promise<boolean>;
const guards = new Map<string, Guard>();

export function registerNodeGuard(typename: string, guard: Guard) {
  guards.set(typename, guard);
}

export async function guardNode(ctx: Context, id: { typename: string; id: string }): Promise<boolean> {
  const guard = guards.get(id.typename);
  return guard ? guard(ctx, id.id) : true;
}
