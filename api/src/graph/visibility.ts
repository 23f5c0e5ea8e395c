import { isUuid, NIL_UUID } from '@psirt/schema';
import type { Context } from '../context.ts';

/**
 * The lookup behind `node(id:)` for a type only some viewers may read. For
 * anyone else — and for an id that is not even well-formed — it looks up a row
 * that cannot exist, so the answer is `null` exactly as for an unknown id: the
 * response never tells whether the record exists.
 */
export function nodeLookup(mayRead: (ctx: Context) => boolean) {
  return (id: string, ctx: Context) => ({ id: mayRead(ctx) && isUuid(id) ? id : NIL_UUID });
}

/**
 * The options every confidential node type shares, from one rule `mayRead`:
 * the type-level check behind every path to a record of the type, and the
 * `node(id:)` lookup that answers null — as for a missing id — to anyone else.
 */
export function readableBy(mayRead: (ctx: Context) => boolean) {
  return {
    id: { field: 'id' } as const,
    nullable: true as const,
    findUnique: nodeLookup(mayRead),
    authScopes: (_parent: unknown, ctx: Context) => mayRead(ctx),
  };
}

export const isStaff = (ctx: Context) => ctx.viewer.kind === 'user';
