// Security Advisories over GraphQL: drafting, committee review and votes, and
// publication under the disclosure policy. Before publication an advisory is
// for the PSIRT, the committee and auditors only; once published, anyone reads
// its published revision (and nothing else of it).
import { type Prisma, PublicationBasis, VoteDecision } from '@psirt/db';
import {
  ADVISORY_STATE_DESCRIPTIONS,
  ADVISORY_STATES,
  ADVISORY_TRANSITIONS,
  type AdvisoryState,
  availableBases,
  isUuid,
  missingRemediation,
  tally,
} from '@psirt/schema';
import {
  ADVISORY_READERS,
  advisoryVisibility,
  caseVisibility,
  PUBLIC_ADVISORIES,
  publicAdvisoryState,
  readsAdvisories,
  storedStatesForPublic,
} from '../access.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import {
  castAdvisoryVote,
  createAdvisory,
  disclosureFacts,
  publishAdvisory,
  recallAdvisory,
  requestAdvisoryReview,
  requestCommitteePolicy,
  scheduleAdvisory,
  setCommitteePolicy,
  supersedeAdvisory,
  updateAdvisory,
  withdrawAdvisory,
} from '../services/advisories.ts';
import { advisoryCsaf } from '../services/advisory-csaf.ts';
import { AnalysisCase } from './case.ts';
import { registerNodeGuard } from './guards.ts';
import { TlpEnum, tlpInput } from './tlp.ts';

const AdvisoryStateEnum = builder.enumType('AdvisoryState', {
  values: Object.fromEntries(ADVISORY_STATES.map((s) => [s, { description: ADVISORY_STATE_DESCRIPTIONS[s] }])),
});
const PublicationBasisEnum = builder.enumType(PublicationBasis, {
  name: 'PublicationBasis',
  description:
    'Why publication was allowed: fixes or workarounds for every affected product (or dated plans for High/Critical ones), exploitation observed, public information, or an admin exception.',
});
const VoteDecisionEnum = builder.enumType(VoteDecision, { name: 'VoteDecision' });
const MajorityEnum = builder.enumType('CommitteeMajority', {
  values: {
    SIMPLE: { description: 'More approvals than rejections.' },
    TWO_THIRDS: { description: 'At least two thirds of the approve and reject votes.' },
  } as const,
});

const readers = { anyRole: ADVISORY_READERS } as const;

const CsafProfileEnum = builder.enumType('CsafProfile', {
  values: {
    SECURITY_ADVISORY: { value: 'csaf_security_advisory', description: 'The advisory (csaf_security_advisory).' },
    VEX: { value: 'csaf_vex', description: 'Per-product exploitability status (csaf_vex).' },
  } as const,
});

registerNodeGuard('Advisory', async (ctx, id) => {
  if (!isUuid(id)) return false;
  return (await ctx.db.advisory.count({ where: { AND: [{ id }, advisoryVisibility(ctx.viewer)] } })) === 1;
});
// A revision is for the advisory's readers; the revision the public reads (published, public) for anyone.
registerNodeGuard('AdvisoryRevision', async (ctx, id) => {
  if (!isUuid(id)) return false;
  if (readsAdvisories(ctx.viewer)) return true;
  const r = await ctx.db.advisoryRevision.findUnique({ where: { id }, select: { number: true, advisoryId: true } });
  if (!r) return false;
  return (
    (await ctx.db.advisory.count({
      where: { AND: [{ id: r.advisoryId, publishedRevision: r.number }, PUBLIC_ADVISORIES] },
    })) === 1
  );
});

const Tally = builder.simpleObject('CommitteeTally', {
  description: 'The votes on one revision and, once the quorum is reached, the decision.',
  fields: (t) => ({
    approve: t.int(),
    reject: t.int(),
    abstain: t.int(),
    missing: t.int({ description: 'Votes still needed for the quorum.' }),
    decision: t.string({ nullable: true, description: 'APPROVED or REJECTED; null before the quorum.' }),
  }),
});

builder.prismaObject('CommitteeVote', {
  description: "A committee member's vote on one revision (one per member; voting again changes it).",
  fields: (t) => ({
    voter: t.relation('voter'),
    decision: t.expose('decision', { type: VoteDecisionEnum }),
    comment: t.exposeString('comment', { nullable: true }),
    at: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AdvisoryRevision = builder.prismaNode('AdvisoryRevision', {
  id: { field: 'id' },
  findUnique: (id) => ({ id }),
  nullable: true,
  description: 'The advisory as put to the committee at one time (never changed).',
  fields: (t) => ({
    number: t.exposeInt('number'),
    changelog: t.exposeString('changelog', { description: 'What changed in this revision.' }),
    content: t.expose('content', {
      type: 'JSON',
      description: 'Title, summary, cases, products with status and AVSS, remediations, CVEs, CWEs, credits.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy', { nullable: true, authScopes: readers }),
    votes: t.relation('votes', {
      authScopes: readers,
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

const published = (ctx: Context) => !readsAdvisories(ctx.viewer);

export const Advisory = builder.prismaNode('Advisory', {
  id: { field: 'id' },
  findUnique: (id) => ({ id }),
  nullable: true,
  description:
    'A Security Advisory (SA). Drafts, revisions under review and votes are for the PSIRT, the committee and auditors; once published anyone reads the published revision.',
  authScopes: (a, ctx) =>
    readsAdvisories(ctx.viewer) || (a.publishedRevision !== null && a.state !== 'WITHDRAWN' && a.tlp === 'CLEAR'),
  fields: (t) => ({
    publicId: t.exposeString('publicId', { description: 'SA-<year>-<nnnn>' }),
    title: t.string({
      description: 'The working title; for the public, the published revision’s.',
      resolve: async (a, _args, ctx) => {
        if (!published(ctx)) return a.title;
        const rev = await ctx.loaders.advisoryRevision.load(`${a.id}:${a.publishedRevision ?? -1}`);
        return String((rev?.content as { title?: string } | undefined)?.title ?? a.title);
      },
    }),
    summary: t.exposeString('summary', { nullable: true, authScopes: readers, description: 'The draft summary.' }),
    state: t.field({
      type: AdvisoryStateEnum,
      description: 'For those who read only published revisions, the published revision’s state.',
      resolve: (a, _args, ctx) => (published(ctx) ? publicAdvisoryState(a.state) : a.state),
    }),
    tlp: t.expose('tlp', { type: TlpEnum }),
    early: t.exposeBoolean('early', {
      description: 'Published before fixes exist (exploitation or public information); to be revised when they ship.',
    }),
    publicationBasis: t.expose('publicationBasis', { type: PublicationBasisEnum, nullable: true }),
    remediationGaps: t.stringList({
      authScopes: readers,
      description:
        'What the disclosure policy still misses for a full (non-early) advisory, from the cases as they are now: empty when fixes or workarounds exist for every affected product. An early advisory with none left is due for its fix revision.',
      resolve: async (a, _args, ctx) => missingRemediation((await disclosureFacts(ctx.db, a.id)).facts),
    }),
    publicationBases: t.field({
      type: [PublicationBasisEnum],
      authScopes: readers,
      description:
        'The bases the disclosure policy accepts now, from the cases as they are: EXPLOITATION_OBSERVED as soon as a case is actively exploited (an early advisory, before any fix — Art. 14(8) of the CRA asks that users be informed). EXCEPTION, for an admin, is not listed.',
      resolve: async (a, _args, ctx) => availableBases((await disclosureFacts(ctx.db, a.id)).facts),
    }),
    basisJustification: t.exposeString('basisJustification', { nullable: true, authScopes: readers }),
    publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true }),
    scheduledFor: t.expose('scheduledFor', {
      type: 'DateTime',
      nullable: true,
      authScopes: readers,
      description: 'When the server will release this approved advisory (its embargo).',
    }),
    currentRevision: t.exposeInt('currentRevision', {
      authScopes: readers,
      description: 'The latest revision put to the committee (0 before the first review).',
    }),
    published: t.field({
      type: AdvisoryRevision,
      nullable: true,
      description: 'The revision the public sees; null until published.',
      resolve: (a, _args, ctx) =>
        a.publishedRevision === null ? null : ctx.loaders.advisoryRevision.load(`${a.id}:${a.publishedRevision}`),
    }),
    csaf: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'The published revision as a CSAF 2.0 document (null until published). Valid against the CSAF 2.0 schema and its mandatory tests.',
      args: { profile: t.arg({ type: CsafProfileEnum, required: false, defaultValue: 'csaf_security_advisory' }) },
      resolve: (a, args, ctx) =>
        advisoryCsaf(ctx.db, ctx.policy.publisher, a, args.profile ?? 'csaf_security_advisory'),
    }),
    revisions: t.relation('revisions', {
      authScopes: readers,
      query: { orderBy: { number: 'desc' } },
      description: 'Every revision, newest first (the revision history).',
    }),
    tally: t.field({
      type: Tally,
      nullable: true,
      authScopes: readers,
      description: 'The votes on the current revision (null before the first review).',
      resolve: async (a, _args, ctx) => {
        if (a.currentRevision === 0) return null;
        const [votes, policy] = await Promise.all([
          ctx.loaders.revisionVotes.load(`${a.id}:${a.currentRevision}`),
          requestCommitteePolicy(ctx),
        ]);
        return tally(votes, policy);
      },
    }),
    cases: t.field({
      type: [AnalysisCase],
      authScopes: readers,
      description: 'The cases it covers that you may see.',
      resolve: (a, _args, ctx) =>
        ctx.db.analysisCase.findMany({
          where: { AND: [{ advisories: { some: { advisoryId: a.id } } }, caseVisibility(ctx.viewer)] },
          orderBy: { publicId: 'asc' },
        }),
    }),
    supersededBy: t.relation('supersededBy', { nullable: true }),
    timeline: t.relation('events', {
      authScopes: readers,
      description: 'Everything that happened to the advisory, oldest first.',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', authScopes: readers }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', authScopes: readers }),
  }),
});

const AdvisoryTransitionType = builder.simpleObject('AdvisoryTransition', {
  fields: (t) => ({
    from: t.field({ type: AdvisoryStateEnum }),
    to: t.field({ type: AdvisoryStateEnum }),
    name: t.string(),
    description: t.string(),
    roles: t.stringList({ description: 'Staff roles that may take it; empty when the committee tally decides.' }),
    byCommittee: t.string({ nullable: true, description: 'APPROVED or REJECTED: taken by the tally.' }),
  }),
});

const CommitteePolicyType = builder.simpleObject('CommitteePolicy', {
  fields: (t) => ({
    quorum: t.int({ description: 'Votes (abstentions included) needed before a decision.' }),
    majority: t.field({ type: MajorityEnum }),
  }),
});

function advisoryWhere(ctx: Context, states: readonly string[] | null | undefined): Prisma.AdvisoryWhereInput {
  if (!states?.length) return advisoryVisibility(ctx.viewer);
  const stored = published(ctx) ? storedStatesForPublic(states) : states;
  return { AND: [advisoryVisibility(ctx.viewer), { state: { in: stored as AdvisoryState[] } }] };
}

builder.queryFields((t) => ({
  advisoryWorkflow: t.field({
    type: [AdvisoryTransitionType],
    description: 'The advisory lifecycle: transitions and who takes them.',
    resolve: () =>
      ADVISORY_TRANSITIONS.map((x) => ({
        from: x.from,
        to: x.to,
        name: x.name,
        description: x.description,
        roles: 'roles' in x.by ? [...x.by.roles] : [],
        byCommittee: 'tally' in x.by ? x.by.tally : null,
      })),
  }),
  committeePolicy: t.field({
    type: CommitteePolicyType,
    authScopes: { staff: true },
    resolve: (_r, _a, ctx) => requestCommitteePolicy(ctx),
  }),
  advisories: t.prismaConnection({
    type: Advisory,
    cursor: 'id',
    description:
      'Advisories you may see, newest first: all for the PSIRT, the committee and auditors; published ones for everyone else.',
    args: { states: t.arg({ type: [AdvisoryStateEnum], required: false }) },
    totalCount: (_c, args, ctx) => ctx.db.advisory.count({ where: advisoryWhere(ctx, args.states) }),
    resolve: (query, _root, args, ctx) =>
      ctx.db.advisory.findMany({
        ...query,
        where: advisoryWhere(ctx, args.states),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }),
  earlyAdvisories: t.prismaField({
    type: [Advisory],
    authScopes: readers,
    description:
      'Published early advisories (exploitation or public information, before fixes): each is expected to be revised when fixes ship. See remediationGaps for what is still missing.',
    resolve: (query, _root, _args, ctx) =>
      ctx.db.advisory.findMany({
        ...query,
        where: { early: true, state: 'PUBLISHED' },
        orderBy: [{ publishedAt: 'asc' }, { id: 'asc' }],
      }),
  }),
  advisory: t.prismaField({
    type: Advisory,
    nullable: true,
    description: 'One advisory by its public id (SA-…); null if it does not exist or you may not see it.',
    args: { publicId: t.arg.string({ required: true }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.advisory.findFirst({
        ...query,
        where: { AND: [{ publicId: args.publicId.trim().toUpperCase() }, advisoryVisibility(ctx.viewer)] },
      }),
  }),
}));

/** Every advisory mutation answers with the advisory as it now is. */
function advisoryMutation<A extends Record<string, unknown>>(run: (ctx: Context, args: A) => Promise<{ id: string }>) {
  return async (query: object, _root: unknown, args: A, ctx: Context) => {
    const { id } = await run(ctx, args);
    return ctx.db.advisory.findUniqueOrThrow({ ...query, where: { id } });
  };
}

builder.mutationFields((t) => ({
  createAdvisory: t.prismaField({
    type: Advisory,
    description: 'Draft an advisory covering one or more cases. PSIRT only.',
    args: {
      cases: t.arg.stringList({ required: true, description: 'VAR-… ids or node ids.' }),
      title: t.arg.string({ required: true }),
      summary: t.arg.string({ required: false }),
      tlp: t.arg({ type: TlpEnum, required: false }),
    },
    resolve: advisoryMutation((ctx, a: Record<string, unknown>) =>
      createAdvisory(ctx, { ...a, tlp: tlpInput(a.tlp as string | null) ?? undefined } as never),
    ),
  }),
  updateAdvisory: t.prismaField({
    type: Advisory,
    description: 'Edit a draft: title, summary, TLP, covered cases. PSIRT only.',
    args: {
      advisoryId: t.arg.string({ required: true }),
      title: t.arg.string({ required: false }),
      summary: t.arg.string({ required: false }),
      tlp: t.arg({ type: TlpEnum, required: false }),
      cases: t.arg.stringList({ required: false }),
    },
    resolve: advisoryMutation((ctx, a: Record<string, unknown>) =>
      updateAdvisory(
        ctx,
        Object.fromEntries(
          Object.entries({ ...a, tlp: tlpInput(a.tlp as string | null) }).filter(([, v]) => v != null),
        ) as never,
      ),
    ),
  }),
  requestAdvisoryReview: t.prismaField({
    type: Advisory,
    description:
      "Freeze the draft (or a published advisory's update) as the next revision, with a changelog line, and put it to the committee. PSIRT only.",
    args: { advisoryId: t.arg.string({ required: true }), changelog: t.arg.string({ required: true }) },
    resolve: advisoryMutation(requestAdvisoryReview),
  }),
  castAdvisoryVote: t.prismaField({
    type: Advisory,
    description:
      'Vote on the revision under review (committee members). Voting again changes your vote; at quorum the decision is taken.',
    args: {
      advisoryId: t.arg.string({ required: true }),
      decision: t.arg({ type: VoteDecisionEnum, required: true }),
      comment: t.arg.string({ required: false }),
    },
    resolve: advisoryMutation(castAdvisoryVote),
  }),
  recallAdvisory: t.prismaField({
    type: Advisory,
    description: 'Take a revision under review, or an approved one, back to draft. PSIRT only.',
    args: { advisoryId: t.arg.string({ required: true }), reason: t.arg.string({ required: false }) },
    resolve: advisoryMutation(recallAdvisory),
  }),
  publishAdvisory: t.prismaField({
    type: Advisory,
    description:
      'Publish the approved revision, if the disclosure policy allows it now (the first basis that holds, or the one named). EXCEPTION: admins, with a justification. Refused while a case is under embargo.',
    args: {
      advisoryId: t.arg.string({ required: true }),
      basis: t.arg({ type: PublicationBasisEnum, required: false }),
      justification: t.arg.string({ required: false }),
    },
    resolve: advisoryMutation(publishAdvisory),
  }),
  scheduleAdvisory: t.prismaField({
    type: Advisory,
    description:
      'Schedule an approved advisory for release at its embargo (default: when the last embargo of its cases ends; never before). The server publishes it then, under the disclosure policy as it stands then. PSIRT only.',
    args: { advisoryId: t.arg.string({ required: true }), at: t.arg({ type: 'DateTime', required: false }) },
    resolve: advisoryMutation(scheduleAdvisory),
  }),
  withdrawAdvisory: t.prismaField({
    type: Advisory,
    description: 'Take a published advisory down, with a written reason. Admins only.',
    args: { advisoryId: t.arg.string({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: advisoryMutation(withdrawAdvisory),
  }),
  supersedeAdvisory: t.prismaField({
    type: Advisory,
    description: 'Mark a published advisory as replaced by another published one. PSIRT only.',
    args: { advisoryId: t.arg.string({ required: true }), by: t.arg.string({ required: true }) },
    resolve: advisoryMutation(supersedeAdvisory),
  }),
  setCommitteePolicy: t.field({
    type: CommitteePolicyType,
    description: "The committee's quorum and majority. Admins only.",
    args: {
      quorum: t.arg.int({ required: false }),
      majority: t.arg({ type: MajorityEnum, required: false }),
    },
    resolve: (_r, args, ctx) =>
      setCommitteePolicy(ctx, {
        ...(args.quorum != null ? { quorum: args.quorum } : {}),
        ...(args.majority != null ? { majority: args.majority } : {}),
      }),
  }),
}));
