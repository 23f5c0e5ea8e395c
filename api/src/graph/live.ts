// Live updates: GraphQL subscriptions over graphql-ws (/graphql) and SSE.
// Each delivery is reloaded and authorized for the subscriber at that moment
// (live/stream.ts); the rules are the queries' own (access.ts).
import type {
  Advisory as AdvisoryRow,
  ComponentAssessment as ComponentAssessmentRow,
  VulnerabilityReport as VulnerabilityReportRow,
} from '@psirt/db';
import { DomainError, timelineEnumValue } from '@psirt/schema';
import {
  ADVISORY_READERS,
  assessmentVisibility,
  caseVisibility,
  isPsirt,
  PSIRT_ROLES,
  PUBLIC_ADVISORIES,
  readsAdvisories,
  readsAllCases,
  requireRole,
  requireUser,
} from '../access.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type { LiveEvent } from '../live/bus.ts';
import { delivered, type Ending, liveStream, type Shared } from '../live/stream.ts';
import { caseMatches, filters } from '../read/cases.ts';
import { caseRef } from '../refs.ts';
import { Advisory } from './advisory.ts';
import { AnalysisCase, TimelineEvent, TimelineEventTypeEnum } from './case.ts';
import { CaseFilter } from './case-query.ts';
import { VulnerabilityReport } from './report.ts';
import { ComponentAssessment, EXPLOIT_FIRST } from './thirdparty.ts';

builder.subscriptionType({
  description:
    'Live updates, over graphql-ws (WebSocket, same URL; token in connectionParams.authorization) or SSE (Accept: text/event-stream). Every delivery is authorized for you when it happens.',
});

const TriageQueueChange = builder
  .objectRef<{ type: string; at: Date; report: VulnerabilityReportRow }>('TriageQueueChange')
  .implement({
    description: 'A report arrived or was triaged.',
    fields: (t) => ({
      type: t.field({ type: TimelineEventTypeEnum, resolve: (x) => timelineEnumValue(x.type) as never }),
      at: t.field({ type: 'DateTime', resolve: (x) => x.at }),
      report: t.field({ type: VulnerabilityReport, resolve: (x) => x.report }),
    }),
  });

const AdvisoryChange = builder
  .objectRef<{ type: string; at: Date; advisory: AdvisoryRow }>('AdvisoryChange')
  .implement({
    description: 'Something happened to an advisory: review requested, vote cast, decided, published…',
    fields: (t) => ({
      type: t.field({ type: TimelineEventTypeEnum, resolve: (x) => timelineEnumValue(x.type) as never }),
      at: t.field({ type: 'DateTime', resolve: (x) => x.at }),
      advisory: t.field({ type: Advisory, resolve: (x) => x.advisory }),
    }),
  });

// ── Shared per-event loads (one statement per event, whatever the number of subscribers) ──

const caseMembers = (ctx: Context, s: Shared, id: string) =>
  s.once(`members:${id}`, () =>
    ctx.db.caseMember.findMany({ where: { caseId: id }, select: { userId: true, role: true } }),
  );
const eventRows = (ctx: Context, s: Shared, ids: readonly string[]) =>
  s.once(`events:${ids.join(',')}`, async () => {
    const rows = await ctx.db.timelineEvent.findMany({ where: { id: { in: [...ids] } } });
    return ids.flatMap((id) => rows.filter((r) => r.id === id));
  });

/**
 * May the (renewed) viewer read this case now? PSIRT: yes; others: if they are
 * on its team. The membership list is read once per event for everyone, and
 * the viewer's roles in the case are primed into their loaders.
 */
export async function mayReadCaseNow(ctx: Context, s: Shared, caseId: string): Promise<boolean> {
  const viewer = ctx.viewer;
  if (readsAllCases(viewer)) return true;
  if (viewer.kind !== 'user') return false;
  const roles = (await caseMembers(ctx, s, caseId)).filter((m) => m.userId === viewer.userId).map((m) => m.role);
  ctx.loaders.caseRoles.prime(caseId, roles);
  return roles.length > 0;
}

/** One record to deliver, loaded when resolved (with the subscriber's selection), shared per event. */
interface Delivery {
  id: string;
  shared: Shared;
}

const forCase = (caseId: string) => (p: LiveEvent['case']) => p.caseId === caseId;
const everyEvent = () => true;

const AssessmentsMatched = builder
  .objectRef<{ assessments: ComponentAssessmentRow[] }>('AssessmentsMatched')
  .implement({
    description: 'Assessments created by matching, known-exploited first.',
    fields: (t) => ({
      assessments: t.field({ type: [ComponentAssessment], resolve: (m) => m.assessments }),
    }),
  });

builder.subscriptionFields((t) => ({
  caseUpdated: t.prismaField({
    type: AnalysisCase,
    description:
      'A case you may read changed (state, team, impact, score, message, coordination…): the case as it now is. The filter is the `cases` query’s.',
    authScopes: { staff: true },
    args: { filter: t.arg({ type: CaseFilter, required: false }) },
    subscribe: (_root, args, ctx) => {
      // authScopes guard what is resolved; who may start listening is checked here.
      requireUser(ctx);
      return liveStream(ctx, 'case', everyEvent, async (p, s): Promise<Delivery[]> => {
        if (!(await mayReadCaseNow(ctx, s, p.caseId))) return [];
        if (args.filter && filters(args.filter)) {
          // What a filter matches does not depend on who asks (the assignee is named, overdue is
          // against the event's now): subscribers with the same filter share the answer for this event.
          const key = `match:${p.caseId}:${JSON.stringify(args.filter)}`;
          const filter = args.filter;
          if (!(await s.once(key, () => caseMatches(ctx, p.caseId, filter)))) return [];
        }
        return [{ id: p.caseId, shared: s }];
      });
    },
    // Subscribers asking for the same fields share one load of the case.
    resolve: (query, item: Delivery | Ending, _args, ctx) => {
      const { id, shared: s } = delivered(item);
      return s.once(`case:${id}:${JSON.stringify(query)}`, () =>
        ctx.db.analysisCase.findUniqueOrThrow({ ...query, where: { id } }),
      );
    },
  }),

  caseEvents: t.prismaField({
    type: TimelineEvent,
    description:
      'The timeline events of one case (node id or VAR id) as they happen. Ends with an error if you lose access to the case.',
    authScopes: { staff: true },
    args: { caseId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      requireUser(ctx);
      const where = caseRef(String(args.caseId));
      // Visible to the viewer, or answered exactly like a case that does not exist.
      const found =
        where &&
        (await ctx.db.analysisCase.findFirst({
          where: { AND: [where, caseVisibility(ctx.viewer)] },
          select: { id: true },
        }));
      if (!found) throw new DomainError('NOT_FOUND', 'No case with this id, or not one you may read.');
      const { id } = found;
      return liveStream(ctx, 'case', forCase(id), async (p, s): Promise<(Delivery | Ending)[]> => {
        if (!(await mayReadCaseNow(ctx, s, id))) {
          return [{ ending: new DomainError('FORBIDDEN', 'You are no longer on this case’s need-to-know list.') }];
        }
        return p.events.map((e) => ({ id: e.id, shared: s }));
      });
    },
    resolve: (query, item: Delivery | Ending, _args, ctx) => {
      const { id, shared: s } = delivered(item);
      return s.once(`event:${id}:${JSON.stringify(query)}`, () =>
        ctx.db.timelineEvent.findUniqueOrThrow({ ...query, where: { id } }),
      );
    },
  }),

  triageQueueChanged: t.field({
    type: TriageQueueChange,
    description: 'For the PSIRT: a report arrived or was triaged.',
    authScopes: { anyRole: PSIRT_ROLES },
    subscribe: (_root, _args, ctx) => {
      requireRole(ctx, PSIRT_ROLES);
      return liveStream(ctx, 'report', everyEvent, async (p, s) => {
        if (!isPsirt(ctx.viewer)) {
          return [{ ending: new DomainError('FORBIDDEN', 'Your roles do not allow this.') }];
        }
        const report = await s.once(`report:${p.reportId}`, () =>
          ctx.db.vulnerabilityReport.findUnique({ where: { id: p.reportId } }),
        );
        if (!report) return [];
        const events = await eventRows(
          ctx,
          s,
          p.events.map((e) => e.id),
        );
        return events.map((e) => ({ type: e.type, at: e.createdAt, report }));
      });
    },
    resolve: (item: { type: string; at: Date; report: VulnerabilityReportRow } | Ending) => delivered(item),
  }),

  assessmentsMatched: t.field({
    type: AssessmentsMatched,
    description:
      'Third-party CVEs newly matched to components of the products the viewer answers for (the PSIRT: all; Primes and Specialists: their product lines).',
    authScopes: { staff: true },
    subscribe: (_root, _args, ctx) => {
      // Who may start listening is checked here (authScopes guard what is resolved).
      requireUser(ctx);
      return liveStream(ctx, 'assessment', everyEvent, async (p) => {
        const assessments = await ctx.db.componentAssessment.findMany({
          where: { AND: [{ id: { in: p.assessmentIds } }, assessmentVisibility(ctx.viewer)] },
          orderBy: [...EXPLOIT_FIRST, { id: 'asc' }],
        });
        return assessments.length ? [{ assessments }] : [];
      });
    },
    resolve: (item: { assessments: ComponentAssessmentRow[] } | Ending) => delivered(item),
  }),

  advisoryChanged: t.field({
    type: AdvisoryChange,
    description: `Advisory activity. ${ADVISORY_READERS.join(', ')}: every change; anyone else (signed in or not): publications of public advisories, with their public fields.`,
    subscribe: (_root, _args, ctx) =>
      liveStream(ctx, 'advisory', everyEvent, async (p, s) => {
        const insider = readsAdvisories(ctx.viewer);
        const events = p.events.filter((e) => insider || e.type === 'advisory.published');
        if (!events.length) return [];
        const advisory = insider
          ? await s.once(`advisory:${p.advisoryId}`, () => ctx.db.advisory.findUnique({ where: { id: p.advisoryId } }))
          : await s.once(`public-advisory:${p.advisoryId}`, () =>
              ctx.db.advisory.findFirst({ where: { AND: [{ id: p.advisoryId }, PUBLIC_ADVISORIES] } }),
            );
        if (!advisory) return [];
        const rows = await eventRows(
          ctx,
          s,
          events.map((e) => e.id),
        );
        return rows.map((e) => ({ type: e.type, at: e.createdAt, advisory }));
      }),
    resolve: (item: { type: string; at: Date; advisory: AdvisoryRow } | Ending) => delivered(item),
  }),
}));
