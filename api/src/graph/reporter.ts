import type { Role } from '@psirt/schema';
import { hasAnyRole } from '../auth.ts';
import { builder } from '../builder.ts';
import { CreditPreferenceEnum, ReporterKindEnum } from './enums.ts';
import { readableBy } from './visibility.ts';

/** Reporters' identities are need-to-know: the PSIRT itself and auditors. */
const REPORTER_READERS: readonly Role[] = ['ADMIN', 'ANALYST', 'AUDITOR'];

export const Reporter = builder.prismaNode('Reporter', {
  description: 'Someone outside the PSIRT who reports vulnerabilities. Confidential.',
  ...readableBy((ctx) => hasAnyRole(ctx.viewer, REPORTER_READERS)),
  fields: (t) => ({
    kind: t.expose('kind', { type: ReporterKindEnum }),
    name: t.exposeString('name', { nullable: true }),
    organization: t.exposeString('organization', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    pgpFingerprint: t.exposeString('pgpFingerprint', { nullable: true }),
    confidential: t.exposeBoolean('confidential', {
      description: '"Do not disclose my name": never shown publicly, never credited by name.',
    }),
    creditPreference: t.expose('creditPreference', { type: CreditPreferenceEnum }),
    creditAs: t.exposeString('creditAs', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('reporters', (t) =>
  t.prismaConnection({
    type: Reporter,
    cursor: 'id',
    description: 'Reporters, newest first. PSIRT analysts, admins and auditors only.',
    authScopes: { anyRole: REPORTER_READERS },
    resolve: (query, _root, _args, ctx) => ctx.db.reporter.findMany({ ...query, orderBy: { id: 'desc' } }),
  }),
);
