// The GraphQL types whose rows the read path loads with typed SQL (reads.ts),
// and the relations between them: for each type, which columns each of its
// fields needs, so a query reads only what it asks for (a report's description
// only when someone asks for it). A field that is a column needs that column;
// the others are listed in `needs`. tests/api/read-catalogue.test.ts checks
// that every field of these types is one or the other, so a new field cannot
// silently read nothing.
import type { DB } from '@psirt/db';
import { getDatamodel } from '@psirt/db/pothos-types';

const MODELS = getDatamodel().datamodel.models;

export interface SqlType {
  /** The GraphQL type (and Prisma model) name. */
  name: string;
  table: keyof DB;
  /** Every stored column, by its Prisma field name. */
  columns: ReadonlySet<string>;
  /** Enum-list columns: read as text[] (the drivers return unknown array types as text). */
  enumLists: ReadonlySet<string>;
  /** Read whatever is asked: what type-level checks and relations need. */
  always: readonly string[];
  /** What the fields that are not columns need (a relation: its key; a computed field: its inputs). */
  needs: Readonly<Record<string, readonly string[]>>;
  /** Relations to one row that the parent's statement joins when they are asked for. */
  joins: Readonly<Record<string, { type: SqlType; from: string }>>;
}

function sqlType(
  name: string,
  table: keyof DB,
  spec: { always?: string[]; needs?: Record<string, string[]>; joins?: SqlType['joins'] } = {},
): SqlType {
  const model = MODELS[name];
  if (!model) throw new Error(`read catalogue: no model ${name}`);
  const stored = model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');
  return {
    name,
    table,
    columns: new Set(stored.map((f) => f.name)),
    enumLists: new Set(stored.filter((f) => f.kind === 'enum' && f.isList).map((f) => f.name)),
    always: [...(model.fields.some((f) => f.name === 'id') ? ['id'] : []), ...(spec.always ?? [])],
    needs: spec.needs ?? {},
    joins: spec.joins ?? {},
  };
}

/** A one-to-many relation: the child rows whose `by` column holds the parent's key, in `order`. */
export interface Relation {
  name: string;
  type: SqlType;
  by: string;
  order: readonly (readonly [column: string, direction: 'asc' | 'desc'])[];
}

const relation = (name: string, type: SqlType, by: string, order: Relation['order']): Relation => ({
  name,
  type,
  by,
  order,
});

// ── Types ────────────────────────────────────────────────────────────────

export const USER = sqlType('User', 'user', {
  needs: { disabled: ['disabledAt'], productLines: [] },
});

export const PRODUCT = sqlType('Product', 'product', {
  needs: { productLine: ['productLineId'], versions: [] },
});

export const REPORTER = sqlType('Reporter', 'reporter', {
  // Identity fields are masked by `confidential`.
  always: ['confidential'],
});

export const CASE = sqlType('AnalysisCase', 'analysisCase', {
  // What the workflow and SLA fields compute from.
  always: ['state', 'createdAt', 'lastReporterUpdateAt'],
  needs: {
    allowedTransitions: [],
    nextUpdateDue: [],
    updateOverdue: [],
    createdBy: ['createdById'],
    reports: [],
    members: [],
    impacts: [],
    mitigations: [],
    scores: [],
    cveAssignments: [],
    certNotifications: [],
    messages: [],
    timeline: [],
    craNotifications: [],
  },
});

export const REPORT = sqlType('VulnerabilityReport', 'vulnerabilityReport', {
  // Who may read a report, and its internals, is decided from these.
  always: ['caseId', 'reporterId', 'submittedById'],
  needs: {
    status: ['triageOutcome', 'acknowledgedAt'],
    ageHours: ['receivedAt'],
    messages: [],
    nextUpdateDue: [],
    advisories: [],
    credit: [],
    reporter: [],
    triagedBy: ['triagedById'],
    case: [],
    duplicateOf: ['duplicateOfId'],
    submittedBy: [],
    attachments: [],
  },
  joins: { reporter: { type: REPORTER, from: 'reporterId' } },
});

// A case member has no id of its own: its node id is "<caseId>:<userId>".
export const MEMBER = sqlType('CaseMember', 'caseMember', {
  always: ['caseId', 'userId'],
  needs: { user: [], addedBy: ['addedById'] },
  joins: { user: { type: USER, from: 'userId' } },
});

export const SCORE = sqlType('Score', 'score', {
  needs: { assessment: ['vector'], product: ['productId'], createdBy: ['createdById'] },
  joins: { product: { type: PRODUCT, from: 'productId' } },
});

export const IMPACT = sqlType('ProductImpact', 'productImpact', {
  always: ['caseId', 'productId'],
  needs: { product: [], avss: [], scores: [], updatedBy: ['updatedById'] },
  joins: { product: { type: PRODUCT, from: 'productId' } },
});

export const MITIGATION = sqlType('Mitigation', 'mitigation', {
  needs: { product: ['productId'], createdBy: ['createdById'] },
});

export const CVE_ASSIGNMENT = sqlType('CveAssignment', 'cveAssignment');
export const CERT_NOTIFICATION = sqlType('CertNotification', 'certNotification');

export const TIMELINE_EVENT = sqlType('TimelineEvent', 'timelineEvent', {
  needs: { at: ['createdAt'], actor: ['actorId'] },
});

export const REPORTER_MESSAGE = sqlType('ReporterMessage', 'reporterMessage', {
  needs: { queued: ['outboxId'], attachments: [] },
});

/** Every type the read path loads, for the catalogue's test. */
export const SQL_TYPES: readonly SqlType[] = [
  USER,
  PRODUCT,
  REPORTER,
  CASE,
  REPORT,
  MEMBER,
  SCORE,
  IMPACT,
  MITIGATION,
  CVE_ASSIGNMENT,
  CERT_NOTIFICATION,
  TIMELINE_EVENT,
  REPORTER_MESSAGE,
];

// ── Relations ────────────────────────────────────────────────────────────

export const CASE_REPORTS = relation('case.reports', REPORT, 'caseId', [
  ['receivedAt', 'asc'],
  ['id', 'asc'],
]);
export const CASE_MEMBERS = relation('case.members', MEMBER, 'caseId', [
  ['addedAt', 'asc'],
  ['userId', 'asc'],
]);
export const CASE_IMPACTS = relation('case.impacts', IMPACT, 'caseId', [
  ['createdAt', 'asc'],
  ['id', 'asc'],
]);
export const CASE_MITIGATIONS = relation('case.mitigations', MITIGATION, 'caseId', [
  ['createdAt', 'asc'],
  ['id', 'asc'],
]);
export const CASE_SCORES = relation('case.scores', SCORE, 'caseId', [
  ['createdAt', 'desc'],
  ['id', 'desc'],
]);
export const CASE_CVE_ASSIGNMENTS = relation('case.cveAssignments', CVE_ASSIGNMENT, 'caseId', [
  ['createdAt', 'asc'],
  ['id', 'asc'],
]);
export const CASE_CERT_NOTIFICATIONS = relation('case.certNotifications', CERT_NOTIFICATION, 'caseId', [
  ['notifiedAt', 'asc'],
  ['id', 'asc'],
]);
export const CASE_MESSAGES = relation('case.messages', REPORTER_MESSAGE, 'caseId', [
  ['createdAt', 'asc'],
  ['id', 'asc'],
]);
export const CASE_TIMELINE = relation('case.timeline', TIMELINE_EVENT, 'caseId', [
  ['createdAt', 'asc'],
  ['id', 'asc'],
]);
export const REPORT_MESSAGES = relation('report.messages', REPORTER_MESSAGE, 'reportId', [
  ['createdAt', 'asc'],
  ['id', 'asc'],
]);
