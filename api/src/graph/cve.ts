// The PSIRT as a CNA in GraphQL: the CVE JSON 5 record of a case's CVE id, and
// the calls to CVE Services (queued in the outbox; their answers land on the
// case's timeline as CVE_SERVICES events).
import { builder } from '../builder.ts';
import { cveRecordFor, publishCveRecord, rejectCve, reserveCveIds } from '../cve/commands.ts';
import type { BuiltCveRecord } from '../cve/record.ts';
import { AnalysisCase } from './case.ts';
import { caseMutation } from './case-mutations.ts';
import { CveStateEnum } from './enums.ts';

const CveRecord = builder.objectRef<BuiltCveRecord>('CveRecord').implement({
  description:
    "A CVE id's record in CVE JSON 5.0, built from the advisory that discloses its case (its published revision; before publication, a preview of the draft).",
  fields: (t) => ({
    cveId: t.exposeString('cveId'),
    state: t.field({ type: CveStateEnum, resolve: (r) => r.state }),
    case: t.string({ description: 'The case (VAR-…) the id is recorded on.', resolve: (r) => r.casePublicId }),
    advisory: t.string({
      nullable: true,
      description: 'The advisory (SA-…) the record is built from; null for a rejected id.',
      resolve: (r) => r.advisory?.publicId ?? null,
    }),
    json: t.field({ type: 'JSON', description: 'The whole record (dataType CVE_RECORD).', resolve: (r) => r.record }),
    cnaContainer: t.field({
      type: 'JSON',
      description: 'The CNA container: what is sent to CVE Services.',
      resolve: (r) => r.cnaContainer,
    }),
    publishable: t.boolean({
      description:
        'Whether the platform may send it to CVE Services now: no blockers (the record, its advisory and the CNA settings).',
      resolve: (r) => r.blockers.length === 0,
    }),
    blockers: t.stringList({ description: 'Why it may not be sent now.', resolve: (r) => r.blockers }),
  }),
});

builder.queryFields((t) => ({
  cveRecord: t.field({
    type: CveRecord,
    description:
      "The CVE JSON 5 record of a CVE id recorded on a case: ADMIN, ANALYST and the case's team (not the Slack bot's own account). NOT_FOUND alike for an unknown id and a case you may not see; CONFLICT while the case is in no advisory.",
    args: { cveId: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => cveRecordFor(ctx, args.cveId),
  }),
}));

builder.mutationFields((t) => ({
  reserveCveIds: t.prismaField({
    type: AnalysisCase,
    description:
      'Reserve CVE ids for a case from CVE Services (queued; the ids appear on the case when CVE Services answers). PSIRT only.',
    args: {
      caseId: t.arg.string({ required: true }),
      amount: t.arg.int({ required: false, description: '1 to 10 (default 1).' }),
    },
    resolve: caseMutation((ctx, a: { caseId: string; amount?: number | null }) =>
      reserveCveIds(ctx, { caseId: a.caseId, amount: a.amount ?? 1 }),
    ),
  }),
  publishCveRecord: t.prismaField({
    type: AnalysisCase,
    description:
      "Send a CVE id's record to CVE Services now (published, or updated if it was): its advisory must be published and public. Releasing an advisory does this by itself. PSIRT only.",
    args: { cveId: t.arg.string({ required: true }) },
    resolve: caseMutation((ctx, a: { cveId: string }) => publishCveRecord(ctx, a.cveId)),
  }),
  rejectCve: t.prismaField({
    type: AnalysisCase,
    description: 'Reject a CVE id of this CNA, with the reason, and what replaces it. PSIRT only.',
    args: {
      cveId: t.arg.string({ required: true }),
      reason: t.arg.string({ required: true }),
      replacedBy: t.arg.stringList({ required: false }),
    },
    resolve: caseMutation((ctx, a: { cveId: string; reason: string; replacedBy?: string[] | null }) =>
      rejectCve(ctx, { cveId: a.cveId, reason: a.reason, replacedBy: a.replacedBy ?? [] }),
    ),
  }),
}));
