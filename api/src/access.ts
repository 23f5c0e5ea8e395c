// Who may see and do what: the platform's need-to-know rules, in one place.
// Graph types, list queries and services all ask here; nothing else decides.
import type { DB, Prisma } from '@psirt/db';
import { DomainError, NIL_UUID, type Role } from '@psirt/schema';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { hasAnyRole, type Viewer } from './auth.ts';
import type { Context } from './context.ts';

/** The PSIRT itself: sees every report and case, and reporters' identities. */
export const PSIRT_ROLES: readonly Role[] = ['ADMIN', 'ANALYST'];
/** Who reads the audit log. */
export const AUDIT_READERS: readonly Role[] = ['ADMIN', 'AUDITOR'];
/** Who may list reporters (a confidential reporter's identity stays PSIRT-only). */
export const REPORTER_READERS: readonly Role[] = ['ADMIN', 'ANALYST', 'AUDITOR'];
/** Who may submit a report on a reporter's behalf. */
export const SUBMITTERS: readonly Role[] = ['ADMIN', 'ANALYST', 'INTEGRATOR'];

/**
 * Who reads advisories before they are public: drafts, revisions, votes, the
 * tally. CHAT_OPS is the Slack bot itself, which puts each revision under
 * review before the committee in its (private) channel.
 */
export const ADVISORY_READERS: readonly Role[] = ['ADMIN', 'ANALYST', 'COMMITTEE_MEMBER', 'AUDITOR', 'CHAT_OPS'];
/** Who votes on advisory revisions. */
export const COMMITTEE: readonly Role[] = ['COMMITTEE_MEMBER'];

export const isPsirt = (viewer: Viewer) => hasAnyRole(viewer, PSIRT_ROLES);
/**
 * The Slack bot's own account, acting for nobody (its token without
 * X-Psirt-Slack-User): it reads cases and advisories to route notifications,
 * and may neither change anything nor read what reporters wrote. Acting for a
 * linked user, it is that user (auth.ts drops CHAT_OPS from the roles).
 */
export const isBotAlone = (viewer: Viewer) => hasAnyRole(viewer, ['CHAT_OPS']) && !isPsirt(viewer);
/**
 * Who may read every case (not change any): the PSIRT, and the Slack bot's
 * own account, which routes case notifications to channels — embargoed ones
 * only to private channels set aside for them (the bot's rule). Reporter
 * identities and report internals stay PSIRT-only.
 */
export const readsAllCases = (viewer: Viewer) => isPsirt(viewer) || hasAnyRole(viewer, ['CHAT_OPS']);
export const readsAdvisories = (viewer: Viewer) => hasAnyRole(viewer, ADVISORY_READERS);

/**
 * The advisories a viewer may read: every one for the PSIRT, the committee and
 * auditors; for everyone else (anonymous included) those with a published
 * revision, not withdrawn, and labelled TLP:CLEAR — and of those only the
 * published revision. (Limited-distribution TLPs reach their audience by
 * other channels, not the public API or website.)
 */
export function advisoryVisibility(viewer: Viewer): Prisma.AdvisoryWhereInput {
  if (readsAdvisories(viewer)) return {};
  return PUBLIC_ADVISORIES;
}

/**
 * The state an advisory shows to someone who reads only published revisions:
 * that of the published revision, whatever the next revision's review says.
 */
export function publicAdvisoryState<S extends string>(state: S): S | 'PUBLISHED' {
  return state === 'SUPERSEDED' || state === 'WITHDRAWN' ? state : 'PUBLISHED';
}

/** The stored states behind the public states asked for (a published advisory may have its next revision in work). */
export function storedStatesForPublic(states: readonly string[]): string[] {
  return states.flatMap((s) =>
    s === 'PUBLISHED' ? ['DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED'] : s === 'SUPERSEDED' ? ['SUPERSEDED'] : [],
  );
}

/** What anyone may read of advisories: see advisoryVisibility. */
export const PUBLIC_ADVISORIES = {
  publishedRevision: { not: null },
  state: { not: 'WITHDRAWN' },
  tlp: 'CLEAR',
} as const satisfies Prisma.AdvisoryWhereInput;

/** The same rule in SQL, on the advisory row `alias` (read paths: a report's public advisories). */
export function publicAdvisorySql(alias: string) {
  // biome-ignore lint/suspicious/noExplicitAny: the builder of whichever statement the advisory row is in
  return (eb: ExpressionBuilder<DB & Record<string, any>, any>): Expression<SqlBool> =>
    eb.and([
      eb(`${alias}.publishedRevision`, 'is not', null),
      eb(`${alias}.state`, '<>', PUBLIC_ADVISORIES.state.not),
      eb(`${alias}.tlp`, '=', PUBLIC_ADVISORIES.tlp),
    ]);
}

/** Matches no row: for viewers who may see none of a kind. */
const NOTHING = { id: NIL_UUID } as const;

/** The cases a viewer may read: all for the PSIRT, their own for need-to-know members. */
export function caseVisibility(viewer: Viewer): Prisma.AnalysisCaseWhereInput {
  if (readsAllCases(viewer)) return {};
  if (viewer.kind === 'user') return { members: { some: { userId: viewer.userId } } };
  return NOTHING;
}

/**
 * The same rule in SQL, on the case row `alias`: the read path's case list,
 * its count and its cursor apply it in the statement (read/cases.ts).
 */
export function caseVisibilitySql(viewer: Viewer, alias = 'c') {
  // biome-ignore lint/suspicious/noExplicitAny: the builder of whichever statement the case row is in
  return (eb: ExpressionBuilder<DB & Record<string, any>, any>): Expression<SqlBool> => {
    if (readsAllCases(viewer)) return sql<SqlBool>`true`;
    if (viewer.kind !== 'user') return sql<SqlBool>`false`;
    return eb.exists(
      eb
        .selectFrom('caseMember as vm')
        .select(sql.lit(1).as('one'))
        .where('vm.userId', '=', viewer.userId)
        .whereRef('vm.caseId', '=', `${alias}.id`),
    );
  };
}

/**
 * The CRA Art. 14 notifications a viewer may read: all for the PSIRT, the
 * Slack bot (which posts their reminders) and auditors (who read the evidence:
 * what was submitted, when, by whom); their cases' for case members. A stage's
 * draft — the case's facts before submission — is for those who read the case.
 */
export function craNotificationVisibility(viewer: Viewer): Prisma.CraNotificationWhereInput {
  if (readsAllCases(viewer) || hasAnyRole(viewer, AUDIT_READERS)) return {};
  if (viewer.kind === 'user') return { case: { members: { some: { userId: viewer.userId } } } };
  return NOTHING;
}

/** The same rule for one notification: batched per request through the membership loader, like mayReadCase. */
export function mayReadCraNotification(ctx: Context, n: { caseId: string }): boolean | Promise<boolean> {
  return hasAnyRole(ctx.viewer, AUDIT_READERS) || mayReadCase(ctx, n.caseId);
}

/**
 * The third-party CVE assessments a viewer may read: all for the PSIRT and
 * the Slack bot (which announces new matches where the PSIRT subscribed
 * channels); those of their product lines' products for its Primes and
 * Specialists. Which products a CVE affects is confidential until disclosed.
 */
export function assessmentVisibility(viewer: Viewer): Prisma.ComponentAssessmentWhereInput {
  if (readsAllCases(viewer)) return {};
  return assessableAssessments(viewer);
}

/** The assessments a viewer may change: the PSIRT all, a product line's staff theirs; the bot none. */
export function assessableAssessments(viewer: Viewer): Prisma.ComponentAssessmentWhereInput {
  if (isPsirt(viewer)) return {};
  if (viewer.kind === 'user') return { product: answerableProducts(viewer) };
  return NOTHING;
}

/**
 * The products a viewer answers for (their inventories, their assessments):
 * all for the PSIRT; their product lines' for Primes and Specialists.
 */
export function answerableProducts(viewer: Viewer): Prisma.ProductWhereInput {
  if (isPsirt(viewer)) return {};
  if (viewer.kind === 'user') return { productLine: { members: { some: { userId: viewer.userId } } } };
  return NOTHING;
}

/**
 * The reports a viewer may read: all for the PSIRT; those of their cases for
 * case members; their own for a reporter; those it submitted for an integrator.
 */
export function reportVisibility(viewer: Viewer): Prisma.VulnerabilityReportWhereInput {
  if (isPsirt(viewer)) return {};
  if (viewer.kind === 'reporter') return { reporterId: viewer.reporterId };
  if (viewer.kind === 'user') {
    return {
      OR: [{ submittedById: viewer.userId }, { case: { members: { some: { userId: viewer.userId } } } }],
    };
  }
  return NOTHING;
}

/**
 * May the viewer read this case? Answered at once when the viewer's roles
 * decide it (every field of fifty cases then resolves without a promise);
 * otherwise from the membership loader, one statement per request.
 */
export function mayReadCase(ctx: Context, caseId: string): boolean | Promise<boolean> {
  if (readsAllCases(ctx.viewer)) return true;
  if (ctx.viewer.kind !== 'user') return false;
  return ctx.loaders.caseRoles.load(caseId).then((roles) => roles.length > 0);
}

/**
 * May the viewer read a report's internals (description, reporter, triage,
 * attachments, case)? The PSIRT and the members of its case — not the bot's
 * own account, though it reads every case. Reporters and integrators see its
 * status and messages only.
 */
export function mayReadReportInternals(ctx: Context, report: { caseId: string | null }): boolean | Promise<boolean> {
  if (isPsirt(ctx.viewer)) return true;
  if (isBotAlone(ctx.viewer)) return false;
  return report.caseId !== null && mayReadCase(ctx, report.caseId);
}

/**
 * May the viewer read messages with reporters? Whoever reached the report or
 * case they belong to (its reporter, its submitter, the PSIRT, the case team)
 * — except the bot's own account, which reaches every case.
 */
export const mayReadReporterMessages = (viewer: Viewer) => !isBotAlone(viewer);

/** Who may change anything: everyone the operation's own rules allow, but never the bot acting for nobody. */
export const mayMutate = (viewer: Viewer) => !isBotAlone(viewer);

/**
 * The staff roles that count for a workflow move on this case. Product-line
 * roles count only on the case they hold them on: a Prime acts as Prime on a
 * case where they are its PRIME member, not where they merely need to know.
 */
export async function workflowRoles(ctx: Context, caseId: string): Promise<readonly Role[]> {
  if (ctx.viewer.kind !== 'user' || isPsirt(ctx.viewer)) return workflowRolesIn(ctx.viewer, []);
  return workflowRolesIn(ctx.viewer, await ctx.loaders.caseRoles.load(caseId));
}

/** The same, given the viewer's roles in the case (inside a transaction, where loaders must not be used). */
export function workflowRolesIn(v: Viewer, caseRoles: readonly string[]): readonly Role[] {
  if (v.kind !== 'user') return [];
  if (isPsirt(v)) return v.roles;
  return v.roles.filter(
    (r) =>
      (r !== 'PRODUCT_SECURITY_PRIME' || caseRoles.includes('PRIME')) &&
      (r !== 'PRODUCT_SECURITY_SPECIALIST' || caseRoles.includes('SPECIALIST')),
  );
}

/** May the viewer read a reporter's name and contact details? Confidential ones: PSIRT only. */
export function mayReadReporterIdentity(viewer: Viewer, reporter: { confidential: boolean }): boolean {
  return isPsirt(viewer) || (!reporter.confidential && hasAnyRole(viewer, REPORTER_READERS));
}

export function requireUser(ctx: Context): Extract<Viewer, { kind: 'user' }> {
  if (ctx.viewer.kind === 'user') return ctx.viewer;
  if (ctx.viewer.kind === 'anonymous') {
    throw new DomainError('UNAUTHENTICATED', 'Sign in: send "Authorization: Bearer <API token>".');
  }
  throw new DomainError('FORBIDDEN', 'Your roles do not allow this.');
}

export function requireRole(ctx: Context, roles: readonly Role[]): Extract<Viewer, { kind: 'user' }> {
  const user = requireUser(ctx);
  if (!hasAnyRole(user, roles)) throw new DomainError('FORBIDDEN', 'Your roles do not allow this.');
  return user;
}
