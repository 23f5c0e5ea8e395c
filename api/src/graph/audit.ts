import { AUDIT_READERS } from '../access.ts';
import { hasAnyRole } from '../auth.ts';
import { builder } from '../builder.ts';
import { ActorKindEnum } from './enums.ts';

const AuditEntry = builder.prismaNode('AuditLog', {
  name: 'AuditEntry',
  id: { resolve: (e) => e.seq.toString() },
  nullable: true,
  // Like readableBy: anyone else (or a malformed id) looks up a row that cannot exist.
  findUnique: (id, ctx) => ({
    seq: hasAnyRole(ctx.viewer, AUDIT_READERS) && /^\d{1,18}$/.test(id) ? BigInt(id) : -1n,
  }),
  authScopes: { anyRole: AUDIT_READERS },
  description: 'One entry of the append-only, hash-chained audit log.',
  fields: (t) => ({
    seq: t.string({ description: 'Position in the chain.', resolve: (e) => e.seq.toString() }),
    at: t.expose('at', { type: 'DateTime' }),
    actorKind: t.expose('actorKind', { type: ActorKindEnum }),
    actorId: t.exposeString('actorId', { nullable: true, description: 'User or reporter id.' }),
    action: t.exposeString('action'),
    subjectType: t.exposeString('subjectType', { nullable: true }),
    subjectId: t.exposeString('subjectId', { nullable: true }),
    data: t.expose('data', { type: 'JSON', description: 'Before/after summary or read context.' }),
    prevHash: t.exposeString('prevHash', { nullable: true }),
    hash: t.exposeString('hash'),
  }),
});

builder.queryField('auditLog', (t) =>
  t.prismaConnection({
    type: AuditEntry,
    cursor: 'seq',
    description: 'The audit log, newest first. Admins and auditors only.',
    authScopes: { anyRole: AUDIT_READERS },
    args: {
      action: t.arg.string({ required: false, description: 'Exact action, or a prefix ending in "." (e.g. "case.").' }),
      subjectId: t.arg.string({ required: false }),
      actorId: t.arg.string({ required: false }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.auditLog.findMany({
        ...query,
        where: {
          ...(args.action
            ? args.action.endsWith('.')
              ? { action: { startsWith: args.action } }
              : { action: args.action }
            : {}),
          ...(args.subjectId ? { subjectId: args.subjectId } : {}),
          ...(args.actorId ? { actorId: args.actorId } : {}),
        },
        orderBy: { seq: 'desc' },
      }),
  }),
);
