import { mayReadReporterIdentity, REPORTER_READERS } from '../access.ts';
import { hasAnyRole } from '../auth.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { CreditPreferenceEnum, ReporterKindEnum } from './enums.ts';
import { readableBy } from './visibility.ts';

type ReporterRow = { id: string; confidential: boolean };

/**
 * A field of a reporter's identity. A confidential reporter's identity is for
 * PSIRT analysts and admins only, and every read of it is audited (batched per
 * request; the value is served only once the audit entry is written).
 */
function identity<K extends 'name' | 'organization' | 'email' | 'phone' | 'pgpFingerprint' | 'creditAs'>(key: K) {
  return {
    nullable: true as const,
    authScopes: (r: ReporterRow, _a: unknown, ctx: Context) => mayReadReporterIdentity(ctx.viewer, r),
    resolve: (r: ReporterRow & Record<K, string | null>, _a: unknown, ctx: Context) => {
      const value = r[key];
      // Served once its audit entry is committed; nothing to audit for a reporter who is not confidential.
      return r.confidential && value !== null ? ctx.loaders.identityRead.load(r.id).then(() => value) : value;
    },
  };
}

export const Reporter = builder.prismaNode('Reporter', {
  description:
    "Someone outside the PSIRT who reports vulnerabilities. Readable by PSIRT analysts, admins and auditors; a confidential reporter's identity by analysts and admins only (audited).",
  ...readableBy((ctx) => hasAnyRole(ctx.viewer, REPORTER_READERS)),
  fields: (t) => ({
    kind: t.expose('kind', { type: ReporterKindEnum }),
    name: t.string(identity('name')),
    organization: t.string(identity('organization')),
    email: t.string(identity('email')),
    phone: t.string(identity('phone')),
    pgpFingerprint: t.string(identity('pgpFingerprint')),
    confidential: t.exposeBoolean('confidential', {
      description: '"Do not disclose my name": never shown publicly, never credited by name.',
    }),
    creditPreference: t.expose('creditPreference', { type: CreditPreferenceEnum }),
    creditAs: t.string(identity('creditAs')),
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
