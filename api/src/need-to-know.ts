// Who may read what, declared once: one rule per GraphQL type and field, and
// one per root field (query, subscription, mutation). The API's resolvers
// enforce it through access.ts (whose role lists this table shares);
// tests/api/need-to-know.test.ts enumerates the schema — every type, field,
// root path, `node`, `nodes`, nested relations, subscriptions and the website —
// and checks each against this table for every kind of viewer. A type, field or
// root field without a rule fails that test, so nothing new ships without a
// decision. The README's "Need to know" section is rendered from it.
import type { Role } from '@psirt/schema';
import { ADVISORY_READERS, AUDIT_READERS, PSIRT_ROLES, REPORTER_READERS, SUBMITTERS } from './access.ts';

/**
 * Who, in words the test evaluates:
 * - `anyone`: anonymous callers included;
 * - `anonymous`: a caller without a token; `reporters`: any reporter token;
 * - `staff`: any signed-in staff account (the Slack bot's own included);
 * - a role: staff holding it (`CHAT_OPS`: the Slack bot's own account, acting for nobody —
 *   acting for a linked person, the bot is that person);
 * - `case team`: the members of the record's case;
 * - `line staff`: the Primes and Specialists of the record's product line;
 * - `its reporter`: the record's reporter, with a reporter token;
 * - `its submitter`: the staff account that submitted the record's report for its reporter;
 * - `readers of its record`: whoever may read the record it belongs to (a timeline event's
 *   case, report or advisory; a message's report);
 * - `{ when, who }`: the audiences in `who`, when the record is so (`public`: an advisory
 *   published, TLP:CLEAR, not withdrawn; `not confidential`: a reporter who did not ask for
 *   anonymity; `submitted`: a CRA stage already submitted; `the published revision`: the
 *   revision the public reads; `of a case` / `of an advisory` / `of a report alone`: what a
 *   timeline event belongs to).
 */
export type Audience =
  | 'anyone'
  | 'anonymous'
  | 'reporters'
  | 'staff'
  | Role
  | 'case team'
  | 'line staff'
  | 'its reporter'
  | 'its submitter'
  | 'readers of its record'
  | { when: Condition; who: readonly Audience[] };
export type Condition =
  | 'public'
  | 'not confidential'
  | 'submitted'
  | 'the published revision'
  | 'of a case'
  | 'of an advisory'
  | 'of a report alone';

/** A field read by the type's readers (`same`), by fewer (a list), or by whoever reached the value (`parent`). */
export type FieldRule = 'same' | readonly Audience[];

export interface TypeRule {
  /**
   * Who may read a record of the type, through any path. `parent`: a value with
   * no identity of its own (a payload, a clock, a tally), read by whoever may read
   * the field that leads to it.
   */
  read: readonly Audience[] | 'parent';
  /** Every field, each with its rule; `same` unless said otherwise. Keys may name several fields, space-separated. */
  fields: Readonly<Record<string, FieldRule>>;
  /** What the README says beside the rule. */
  note?: string;
}

export interface RootRule {
  /** Who may call it (others are refused: FORBIDDEN, UNAUTHENTICATED, or NOT_FOUND as for a record they may not see). */
  call: readonly Audience[];
  /** Of those who may call it, who gets anything in the answer (the rest an empty one), when it is not records. */
  sees?: readonly Audience[];
  note?: string;
}

const PSIRT: readonly Audience[] = PSIRT_ROLES;
/** Case data: the PSIRT, the case's team, and the Slack bot's own account (it routes case notifications). */
const CASE_READERS: readonly Audience[] = [...PSIRT, 'CHAT_OPS', 'case team'];
/** What reporters wrote and what was said to them: the PSIRT and the case's team — not the bot's own account. */
const TEAM: readonly Audience[] = [...PSIRT, 'case team'];
const ADVISORY: readonly Audience[] = ADVISORY_READERS;
const PUBLIC: Audience = { when: 'public', who: ['anyone'] };
const REPORT_READERS: readonly Audience[] = [...TEAM, 'its reporter', 'its submitter'];
const LINE: readonly Audience[] = [...PSIRT, 'line staff'];

/** A value reached through a field, every field of it as readable as the value. */
const parent = (fields: string): TypeRule => ({ read: 'parent', fields: { [fields]: 'same' } });
/** A Relay connection and its edges: as the list (the list's own rule, and its items'). */
const connection = (): TypeRule => parent('edges pageInfo totalCount');
const edge = (): TypeRule => parent('cursor node');

export const TYPE_RULES: Readonly<Record<string, TypeRule>> = {
  // ── Cases ──
  AnalysisCase: {
    read: CASE_READERS,
    fields: {
      'id publicId title summary state allowedTransitions embargoUntil embargoTimeZone exploitationObserved exploitationObservedAt exploitationSource publiclyKnown publiclyKnownAt publiclyKnownSource cweIds notificationPlan conclusion severity severityScore lastReporterUpdateAt nextUpdateDue updateOverdue createdAt updatedAt closedAt createdBy members impacts mitigations scores cveAssignments certNotifications timeline craNotifications':
        'same',
      'reports messages': TEAM,
    },
    note: 'What reporters wrote and the thread with them: the PSIRT and the case team, not the bot’s own account.',
  },
  CaseMember: { read: CASE_READERS, fields: { 'id user role addedAt addedBy': 'same' } },
  ProductImpact: {
    read: CASE_READERS,
    fields: {
      'id product status justification justificationText affectedVersions fixedVersion fixEta avss scores updatedAt updatedBy':
        'same',
    },
  },
  Mitigation: {
    read: CASE_READERS,
    fields: { 'id kind description product fixVersion availableAt createdAt createdBy': 'same' },
  },
  Score: {
    read: CASE_READERS,
    fields: {
      'id kind version vector baseScore temporalScore environmentalScore score severity assessment rationale source product createdAt createdBy':
        'same',
    },
  },
  CveAssignment: { read: CASE_READERS, fields: { 'id cveId state assigner createdAt updatedAt': 'same' } },
  CertNotification: { read: CASE_READERS, fields: { 'id organization notifiedAt reference': 'same' } },
  TimelineEvent: {
    read: [
      { when: 'of a case', who: CASE_READERS },
      { when: 'of an advisory', who: ADVISORY },
      { when: 'of a report alone', who: PSIRT },
    ],
    fields: { 'id type at actor data': 'same' },
    note: 'As its case (a report’s, once it has one); an advisory’s by the advisory’s readers, not the public; a report’s before triage by the PSIRT.',
  },
  WorkflowTransition: parent('from to name description roles requiresConclusion'),
  WorkflowState: parent('state description'),
  VarWorkflow: parent('initial states transitions'),

  // ── Reports and reporters ──
  VulnerabilityReport: {
    read: REPORT_READERS,
    fields: {
      'id publicId title status receivedAt acknowledgedAt ageHours messages nextUpdateDue advisories': 'same',
      credit: [...PSIRT, 'its reporter'],
      'description channel reportedProducts reporterCvssVector reportedExploited triageOutcome triageNote triagedAt triagedBy case duplicateOf submittedBy encrypted unverifiedText signatureStatus attachments':
        TEAM,
      reporter: PSIRT,
    },
    note: 'Its reporter and its submitter read its status, title and thread; what it says for the PSIRT and the case team; who sent it (`reporter`) for the PSIRT.',
  },
  ReporterMessage: {
    read: ['readers of its record'],
    fields: {
      'id direction kind subject body createdAt sentAt queued unverifiedText encrypted signatureStatus attachments':
        'same',
    },
    note: 'As its report.',
  },
  Attachment: parent('id filename contentType size sha256 encrypted signatureStatus createdAt contentBase64'),
  Reporter: {
    read: REPORTER_READERS,
    fields: {
      'id kind confidential creditPreference createdAt': 'same',
      'name organization email phone pgpFingerprint creditAs': [
        ...PSIRT,
        { when: 'not confidential', who: ['AUDITOR'] },
      ],
    },
    note: 'A confidential reporter’s identity: ADMIN and ANALYST only, every read audited.',
  },
  PublicAdvisoryLink: parent('publicId title publishedAt'),
  SubmitVulnerabilityReportPayload: parent('publicId reporterToken replayed'),

  // ── Staff and the catalogue ──
  User: {
    read: ['staff'],
    fields: { 'id email name roles slackUserId disabled productLines createdAt': 'same' },
  },
  ProductLineMember: { read: ['staff'], fields: { 'id role user productLine': 'same' } },
  ProductLine: { read: ['staff'], fields: { 'id key name description markets products members': 'same' } },
  Product: {
    read: ['staff'],
    fields: { 'id key name description cpe purl markets productLine versions': 'same' },
  },
  ProductVersion: { read: ['staff'], fields: { 'id version releasedAt endOfSupport': 'same' } },

  // ── Advisories ──
  Advisory: {
    read: [...ADVISORY, PUBLIC],
    fields: {
      'id publicId title state tlp early publicationBasis publishedAt published csaf supersededBy': 'same',
      'summary remediationGaps publicationBases basisJustification scheduledFor currentRevision revisions tally cases timeline createdAt updatedAt':
        ADVISORY,
    },
    note: 'The public (published, TLP:CLEAR, not withdrawn) reads the published revision only: its title, state and CSAF.',
  },
  AdvisoryRevision: {
    read: [...ADVISORY, { when: 'the published revision', who: [PUBLIC] }],
    fields: { 'id number changelog content createdAt': 'same', 'createdBy votes': ADVISORY },
    note: 'Anyone reads a public advisory’s published revision; the others are for the advisory’s readers.',
  },
  CommitteeVote: parent('voter decision comment at'),
  CommitteeTally: parent('approve reject abstain missing decision'),
  CommitteePolicy: parent('quorum majority'),
  AdvisoryTransition: parent('from to name description roles byCommittee'),
  AdvisorySubscriptionRequest: parent('message'),

  // ── Third-party CVEs ──
  ComponentAssessment: {
    read: [...LINE, 'CHAT_OPS'],
    fields: {
      'id state justification rationale matchedAt updatedAt vulnerability component product supplierCvss avss': 'same',
      casePublicId: CASE_READERS,
    },
    note: 'Which products a CVE affects is confidential until disclosed. `casePublicId`: for those who read the case.',
  },
  Component: parent('id name version supplier purl cpe productVersion'),
  ThirdPartyVulnerability: parent(
    'cveId description publishedAt lastModified knownExploited kev epss epssPercentile topScore cwes metrics references source supplierAdvisories',
  ),
  SupplierAdvisory: parent(
    'publisher publisherNamespace trackingId version releaseDate title url remediations unmatchableProducts',
  ),
  SupplierCvss: parent('source type version vector baseScore severity'),
  SupplierRemediation: parent('category details url'),
  AssessmentAvss: parent('vector score severity rationale at'),
  ImportSbomPayload: parent('added kept removed matches newAssessments'),

  // ── CVE records, CRA notifications ──
  CveRecord: parent('cveId state case advisory json cnaContainer publishable blockers'),
  CraNotification: {
    read: [...CASE_READERS, 'AUDITOR'],
    fields: {
      'id handle kind awareAt basis decidedBy caseId memberState coordinatorCsirt memberStates tlp exploitNature maliciousActor suspectedMalicious incidentNature initialAssessment rootCause statusUpdate open overdue closedAt createdAt stages next':
        'same',
      case: CASE_READERS,
    },
    note: 'Auditors read the evidence — what was decided and submitted, when, by whom — not the case.',
  },
  CraStageClock: {
    read: 'parent',
    fields: {
      'stage ordinal article dueAt dueLocal notYetDue overdue late submittedAt submittedBy reference sha256': 'same',
      draft: [...CASE_READERS, { when: 'submitted', who: ['AUDITOR'] }],
    },
    note: 'An unsent draft is the case’s facts: for those who read the case; once submitted, for every reader of the notification.',
  },
  CraDraft: parent('json text frozen missing fields'),
  CraDraftField: parent('name article label filled optional text source'),
  CraPrompt: {
    read: 'parent',
    fields: { 'caseId evidence detail seenAt': 'same', case: CASE_READERS },
  },

  // ── Mail, audit, settings ──
  InboundMail: {
    read: PSIRT,
    fields: {
      'id sender subject via status reason detail size truncated attempts encrypted signatureStatus receivedAt processedAt report':
        'same',
    },
  },
  ReprocessInboundMailPayload: parent('outcome reportPublicId'),
  AuditEntry: {
    read: AUDIT_READERS,
    fields: { 'id seq at actorKind actorId action subjectType subjectId data prevHash hash': 'same' },
  },
  SlaPolicy: parent('acknowledgeWithinHours updateEveryDays'),
  SlackChannelSubscription: parent('channelId embargoed minSeverity products'),
  PgpKey: parent('armored fingerprint createdAt'),
  CvssAssessment: parent(
    'version vector score severity baseScore temporalScore environmentalScore impactSubScore exploitabilitySubScore macroVector nomenclature metrics',
  ),
  CvssMetric: parent('group key name value valueName'),

  // ── Live updates ──
  AdvisoryChange: parent('type at advisory'),
  TriageQueueChange: parent('type at report'),
  AssessmentsMatched: parent('assessments'),
  CraDeadlineChange: parent('type at caseId notification stage dueAt dueLocal threshold detail'),

  // ── Relay ──
  PageInfo: parent('hasNextPage hasPreviousPage startCursor endCursor'),
  QueryAdvisoriesConnection: connection(),
  QueryAdvisoriesConnectionEdge: edge(),
  QueryAuditLogConnection: parent('edges pageInfo'),
  QueryAuditLogConnectionEdge: edge(),
  QueryCasesConnection: connection(),
  QueryCasesConnectionEdge: edge(),
  QueryComponentAssessmentsConnection: connection(),
  QueryComponentAssessmentsConnectionEdge: edge(),
  QueryInboundMailsConnection: connection(),
  QueryInboundMailsConnectionEdge: edge(),
  QueryProductsConnection: parent('edges pageInfo'),
  QueryProductsConnectionEdge: edge(),
  QueryReportersConnection: parent('edges pageInfo'),
  QueryReportersConnectionEdge: edge(),
  QueryReportsConnection: connection(),
  QueryReportsConnectionEdge: edge(),
  QueryTriageQueueConnection: connection(),
  QueryTriageQueueConnectionEdge: edge(),
};

const anyone: RootRule = { call: ['anyone'] };
const staff: RootRule = { call: ['staff'] };
const psirt: RootRule = { call: PSIRT };
const admin: RootRule = { call: ['ADMIN'] };
const team: RootRule = { call: TEAM };
const line: RootRule = { call: LINE };

export const QUERY_RULES: Readonly<Record<string, RootRule>> = {
  viewer: { call: ['anyone'], note: 'The signed-in staff user, or null.' },
  node: { call: ['anyone'], note: 'A record as its type’s rule allows; null, like a missing one, otherwise.' },
  nodes: { call: ['anyone'], note: 'The same, slot by slot.' },
  varWorkflow: anyone,
  advisoryWorkflow: anyone,
  cvss: { call: ['anyone'], note: 'The CVSS calculator (rate-limited).' },
  pgpKey: anyone,
  advisories: { call: ['anyone'], note: 'The advisories the viewer may read.' },
  advisory: anyone,
  report: { call: ['anyone'], note: 'A report the viewer may read, else null.' },
  reports: { call: ['anyone'], note: 'The reports the viewer may read.' },
  craNotification: anyone,
  craNotifications: anyone,
  cases: { call: ['staff'], note: 'The cases the viewer may read, and their count.' },
  case: staff,
  productLines: staff,
  products: staff,
  slaPolicy: staff,
  committeePolicy: staff,
  slackChannelSubscriptions: { call: [...PSIRT, 'CHAT_OPS'], note: 'Channels hearing of case changes.' },
  componentAssessments: { call: ['staff'], note: 'The assessments the viewer may read.' },
  productComponents: { call: ['staff'], sees: LINE, note: 'Of the products the viewer answers for.' },
  productVex: {
    call: ['staff'],
    sees: [...LINE, 'CHAT_OPS'],
    note: 'Built from the assessments the viewer may read: empty for anyone else.',
  },
  earlyAdvisories: { call: ADVISORY },
  reporters: { call: REPORTER_READERS },
  triageQueue: psirt,
  inboundMails: psirt,
  craPrompts: { call: [...PSIRT, 'CHAT_OPS'] },
  auditLog: { call: AUDIT_READERS },
  cveRecord: {
    call: [...PSIRT, { when: 'public', who: ['case team'] }],
    note: 'Of a CVE id on a case: the PSIRT; the case team once its advisory is public (before, the record previews a draft). Not the bot’s own account.',
  },
};

export const SUBSCRIPTION_RULES: Readonly<Record<string, RootRule>> = {
  advisoryChanged: {
    call: ['anyone'],
    note: 'Every step for the advisory’s readers; publications of public ones for anyone.',
  },
  caseUpdated: { call: ['staff'], note: 'The cases the viewer may read, filtered like `cases`.' },
  caseEvents: { call: CASE_READERS, note: 'One case’s timeline, while the viewer may read it.' },
  triageQueueChanged: psirt,
  assessmentsMatched: { call: ['staff'], note: 'The assessments the viewer may read.' },
  craDeadlineChanged: { call: ['staff'], note: 'The notifications the viewer may read (prompts: the PSIRT).' },
};

/**
 * Who may change what. Over every rule: the Slack bot's own account, acting for
 * nobody, changes nothing (server/bot-account.ts) — acting for a linked person,
 * it is that person.
 */
export const MUTATION_RULES: Readonly<Record<string, RootRule>> = {
  submitVulnerabilityReport: {
    call: ['anonymous', 'reporters', ...SUBMITTERS],
    note: 'Reporters and the anonymous (rate-limited); staff submit for a reporter.',
  },
  replyToReport: { call: [...PSIRT, 'its reporter'] },
  rotateReporterToken: { call: ['its reporter'] },
  requestReporterLink: anyone,
  acceptReport: psirt,
  attachReport: psirt,
  rejectReport: psirt,
  transitionCase: {
    call: TEAM,
    note: 'Per `varWorkflow`: the roles each transition names, product-line roles on their cases.',
  },
  setProductImpact: team,
  addMitigation: team,
  recordScore: {
    call: TEAM,
    note: 'An AVSS: the PSIRT and the case team; the vendor base score: the PSIRT and the case’s Prime.',
  },
  addCaseNote: team,
  updateCase: { call: TEAM, note: 'The PSIRT and the case’s Prime.' },
  addCaseMember: { call: TEAM, note: 'The PSIRT and the case’s Prime.' },
  removeCaseMember: { call: TEAM, note: 'The PSIRT and the case’s Prime.' },
  recordCve: psirt,
  recordCertNotification: psirt,
  messageReporters: psirt,
  reserveCveIds: psirt,
  publishCveRecord: psirt,
  rejectCve: psirt,
  startCraNotification: psirt,
  updateCraNotification: psirt,
  recordCraSubmission: psirt,
  requestCraIntermediateReport: psirt,
  dismissCraPrompt: psirt,
  setProductMarkets: admin,
  createAdvisory: psirt,
  updateAdvisory: psirt,
  requestAdvisoryReview: psirt,
  recallAdvisory: psirt,
  supersedeAdvisory: psirt,
  castAdvisoryVote: { call: ['COMMITTEE_MEMBER'] },
  publishAdvisory: psirt,
  scheduleAdvisory: psirt,
  withdrawAdvisory: admin,
  setCommitteePolicy: admin,
  setSlaPolicy: admin,
  subscribeToAdvisories: anyone,
  confirmAdvisorySubscription: { call: ['anyone'], note: 'Whoever holds the mailed link’s token.' },
  unsubscribeFromAdvisories: { call: ['anyone'], note: 'Whoever holds the mailed link’s token.' },
  subscribeSlackChannel: psirt,
  unsubscribeSlackChannel: psirt,
  reprocessInboundMail: psirt,
  dismissInboundMail: psirt,
  importSbom: line,
  addComponent: line,
  removeComponent: line,
  assessComponentVulnerability: line,
  escalateAssessments: psirt,
};

/** The field names a rule covers (its keys split). */
export function ruleFields(rule: TypeRule): Map<string, FieldRule> {
  const out = new Map<string, FieldRule>();
  for (const [names, r] of Object.entries(rule.fields)) for (const n of names.split(/\s+/)) if (n) out.set(n, r);
  return out;
}

/** Audiences in words: plain ones first, then each condition with its own (`if public: anyone`). */
function list(as: readonly Audience[]): string {
  const plain = as
    .filter((a): a is Exclude<Audience, { when: Condition }> => typeof a === 'string')
    .map((a) => (a === 'CHAT_OPS' ? 'CHAT_OPS (the bot’s own account)' : a));
  const conditional = as
    .filter((a): a is Extract<Audience, { when: Condition }> => typeof a !== 'string')
    .map((a) => `if ${a.when}: ${a.who.some((x) => typeof x !== 'string') ? `(${list(a.who)})` : list(a.who)}`);
  return [plain.join(', '), ...conditional].filter(Boolean).join('; ');
}

/**
 * The README's "Need to know" section, from this table: each type's readers
 * and the fields read by fewer, then who may call each root field.
 */
export function renderNeedToKnow(): string {
  const lines: string[] = [
    'Generated from `api/src/need-to-know.ts` (`npm run docs`); `tests/api/need-to-know.test.ts` checks every path of the schema against it for every kind of viewer.',
    '',
    '| Type | Who reads it | Fields read by fewer |',
    '| --- | --- | --- |',
  ];
  for (const [name, rule] of Object.entries(TYPE_RULES)) {
    if (rule.read === 'parent') {
      const narrower = [...ruleFields(rule)].filter(([, r]) => r !== 'same');
      if (!narrower.length) continue;
    }
    const fields = new Map<string, string[]>();
    for (const [field, r] of ruleFields(rule)) {
      if (r === 'same') continue;
      const key = list(r);
      fields.set(key, [...(fields.get(key) ?? []), `\`${field}\``]);
    }
    const narrower = [...fields].map(([who, names]) => `${names.join(', ')}: ${who}`).join('; ');
    const readers = rule.read === 'parent' ? 'whoever reads the field that leads to it' : list(rule.read);
    lines.push(`| \`${name}\` | ${readers}${rule.note ? ` — ${rule.note}` : ''} | ${narrower || '—'} |`);
  }
  const roots = (title: string, rules: Readonly<Record<string, RootRule>>) => {
    lines.push('', `| ${title} | Who may call it |`, '| --- | --- |');
    for (const [name, r] of Object.entries(rules)) {
      const sees = r.sees ? ` (content: ${list(r.sees)})` : '';
      lines.push(`| \`${name}\` | ${list(r.call)}${sees}${r.note ? ` — ${r.note}` : ''} |`);
    }
  };
  roots('Query', QUERY_RULES);
  roots('Subscription', SUBSCRIPTION_RULES);
  roots('Mutation', MUTATION_RULES);
  lines.push(
    '',
    'The Slack bot’s own account, acting for nobody, changes nothing; acting for a linked person, it is that person.',
  );
  lines.push(
    '',
    'Types read through a field only (payloads, clocks, tallies, CVSS metrics, connections) are read by whoever reads the field; they are not listed unless some of their fields are read by fewer.',
  );
  return lines.join('\n');
}
