// What each CRA Art. 14 notification stage must say, filled from the case: a
// JSON document with stable field names that follow the Article, and the same
// as text to paste into ENISA's Single Reporting Platform. Every field says
// whether the case filled it; a missing one says what would fill it.
import { CRA_ARTICLE, CRA_STAGE_NAMES, type CraKind, type CraStage } from './clock.ts';

/** The draft format's name and version; a field is only ever added. */
export const CRA_DRAFT_FORMAT = 'psirt-cra-art14/1';

export interface CraDraftFacts {
  kind: CraKind;
  stage: CraStage;
  ordinal: number;
  awareAt: Date;
  /** Why the PSIRT decided it is aware (the recorded legal judgement). */
  basis: string;
  dueAt: Date | null;
  manufacturer: { name: string; contact: string; memberState: { code: string; name: string } | null };
  coordinator: { name: string; memberState: string } | null;
  case: {
    publicId: string;
    title: string;
    summary: string | null;
    cweIds: readonly string[];
    cveIds: readonly string[];
    exploitationObservedAt: Date | null;
    exploitationSource: string | null;
  };
  /** The products concerned (every product of the case not NOT_AFFECTED). */
  products: readonly {
    name: string;
    status: 'UNDER_INVESTIGATION' | 'AFFECTED' | 'FIXED';
    affectedVersions: string | null;
    fixedVersion: string | null;
    avss: { version: string; vector: string; score: number; severity: string } | null;
  }[];
  severity: { rating: string; score: number } | null;
  measures: readonly {
    kind: 'CONFIGURATION' | 'RESTRICTION' | 'WORKAROUND' | 'FIX';
    product: string | null;
    description: string;
    fixVersion: string | null;
    availableAt: Date | null;
  }[];
  /** Member States where the products are made available (from the catalogue's markets). */
  memberStates: readonly { code: string; name: string }[];
  /** How sensitive the notified information is, and where that came from. */
  sensitivity: { tlp: string; source: string } | null;
  /** What the PSIRT wrote on the notification itself. */
  details: {
    exploitNature: string | null;
    maliciousActor: string | null;
    suspectedMalicious: boolean | null;
    incidentNature: string | null;
    initialAssessment: string | null;
    rootCause: string | null;
    statusUpdate: string | null;
  };
  now: Date;
}

export interface CraDraftField {
  /** Stable JSON name. */
  name: string;
  /** The Article paragraph asking for it. */
  article: string;
  label: string;
  /** The value as JSON (string, list or object); null when missing. */
  value: unknown;
  /** The value as text. */
  text: string;
  filled: boolean;
  /** "where available": its absence does not make the draft incomplete. */
  optional: boolean;
  /** Where the value comes from, or, when missing, what would fill it. */
  source: string;
}

export interface CraDraft {
  json: Record<string, unknown>;
  text: string;
  fields: CraDraftField[];
  /** Names of the required fields not filled. */
  missing: string[];
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const day = (d: Date) => d.toISOString().slice(0, 10);
const lines = (xs: readonly string[]) => xs.join('\n');

/** Builds the draft of one stage. */
export function craDraft(f: CraDraftFacts): CraDraft {
  const vuln = f.kind === 'ACTIVELY_EXPLOITED_VULNERABILITY';
  const para = CRA_ARTICLE[f.kind][f.stage];
  const fields: CraDraftField[] = [];
  const add = (
    name: string,
    label: string,
    value: unknown,
    text: string | null,
    source: string,
    o: { optional?: boolean; article?: string } = {},
  ) => {
    const filled = value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0);
    fields.push({
      name,
      article: o.article ?? para,
      label,
      value: filled ? value : null,
      text: filled ? (text ?? String(value)) : '',
      filled,
      optional: o.optional ?? false,
      source,
    });
  };
  const art14 = vuln ? 'Art. 14(2)' : 'Art. 14(4)';

  // Who and what, in every stage.
  add(
    'manufacturer',
    'Manufacturer',
    { name: f.manufacturer.name, contact: f.manufacturer.contact },
    `${f.manufacturer.name} (${f.manufacturer.contact})`,
    'configuration (PSIRT_PUBLISHER_NAME, PSIRT_PUBLISHER_CONTACT)',
    { article: 'Art. 14(1)' },
  );
  add(
    'mainEstablishment',
    'Member State of main establishment',
    f.manufacturer.memberState?.code ?? null,
    f.manufacturer.memberState ? `${f.manufacturer.memberState.name} (${f.manufacturer.memberState.code})` : null,
    f.manufacturer.memberState ? 'configuration (PSIRT_CRA_MEMBER_STATE)' : 'set PSIRT_CRA_MEMBER_STATE',
    { article: 'Art. 14(7)' },
  );
  add(
    'coordinatorCsirt',
    'CSIRT designated as coordinator',
    f.coordinator?.name ?? null,
    f.coordinator ? `${f.coordinator.name} (${f.coordinator.memberState})` : null,
    f.coordinator ? 'the main establishment’s coordinator (data: EU CSIRTs list)' : 'set PSIRT_CRA_MEMBER_STATE',
    { article: 'Art. 14(7)' },
  );
  add('reference', 'Manufacturer’s reference', f.case.publicId, `${f.case.publicId} — ${f.case.title}`, 'the case', {
    article: 'Art. 14(1)',
  });
  add(
    'awareAt',
    'Manufacturer became aware',
    iso(f.awareAt),
    `${iso(f.awareAt)} — ${f.basis}`,
    'the notification (who decided and why)',
    {
      article: art14,
    },
  );
  add(
    'cveIds',
    'CVE identifiers',
    f.case.cveIds.length ? [...f.case.cveIds] : null,
    f.case.cveIds.join(', '),
    'the case’s CVE ids',
    {
      optional: true,
    },
  );
  add(
    'productsConcerned',
    'Product(s) with digital elements concerned',
    f.products.length
      ? f.products.map((p) => ({
          name: p.name,
          versions: p.affectedVersions,
          status: p.status.toLowerCase(),
          fixedVersion: p.fixedVersion,
        }))
      : null,
    lines(
      f.products.map(
        (p) =>
          `- ${p.name}${p.affectedVersions ? ` ${p.affectedVersions}` : ''}: ${p.status.toLowerCase().replace('_', ' ')}${p.fixedVersion ? `, fixed in ${p.fixedVersion}` : ''}`,
      ),
    ),
    f.products.length ? 'the case’s products and versions' : 'add the products to the case (impacts)',
  );

  const measuresTaken = f.measures.filter((m) => m.kind === 'FIX');
  const userMeasures = f.measures.filter((m) => m.kind !== 'FIX');
  const describe = (m: CraDraftFacts['measures'][number]) =>
    `- ${m.product ? `${m.product}: ` : ''}${m.kind === 'FIX' ? `fix${m.fixVersion ? ` ${m.fixVersion}` : ''}` : m.kind.toLowerCase()} — ${m.description}${m.availableAt ? ` (${m.availableAt <= f.now ? 'available since' : 'planned for'} ${day(m.availableAt)})` : ''}`;
  const measureValue = (ms: typeof f.measures) =>
    ms.length
      ? ms.map((m) => ({
          kind: m.kind.toLowerCase(),
          product: m.product,
          description: m.description,
          fixVersion: m.fixVersion,
          availableAt: m.availableAt ? iso(m.availableAt) : null,
        }))
      : null;
  const forUsers = [
    ...userMeasures.map(describe),
    ...measuresTaken
      .filter((m) => m.fixVersion && m.availableAt && m.availableAt <= f.now)
      .map((m) => `- ${m.product ? `${m.product}: ` : ''}update to ${m.fixVersion}`),
  ];
  const memberStates = () =>
    add(
      'memberStatesMadeAvailable',
      'Member States where the product is made available',
      f.memberStates.length ? f.memberStates.map((m) => m.code) : null,
      f.memberStates.map((m) => `${m.name} (${m.code})`).join(', '),
      f.memberStates.length
        ? 'the products’ markets in the catalogue'
        : 'set the products’ markets (setProductMarkets) or PSIRT_CRA_DEFAULT_MARKETS',
    );
  const sensitivity = () =>
    add(
      'sensitivity',
      'How sensitive the manufacturer considers the information',
      f.sensitivity ? `TLP:${f.sensitivity.tlp.replace('_', '+')}` : null,
      f.sensitivity ? `TLP:${f.sensitivity.tlp.replace('_', '+')} (${f.sensitivity.source})` : null,
      f.sensitivity ? f.sensitivity.source : 'set a TLP on the notification (updateCraNotification)',
    );
  const measures = () => {
    add(
      'correctiveMeasuresTaken',
      'Corrective or mitigating measures taken',
      measureValue(measuresTaken),
      lines(measuresTaken.map(describe)),
      measuresTaken.length ? 'the case’s fixes' : 'record the fix (or its plan) on the case',
    );
    add(
      'userMeasures',
      'Corrective or mitigating measures users can take',
      forUsers.length ? forUsers.map((l) => l.slice(2)) : null,
      lines(forUsers),
      forUsers.length
        ? 'the case’s mitigations and released fixes'
        : 'record a workaround, configuration or restriction on the case',
    );
  };
  const severity = () => {
    const scored = f.products.filter((p) => p.avss);
    add(
      'severity',
      'Severity',
      f.severity
        ? {
            rating: f.severity.rating.toLowerCase(),
            score: f.severity.score,
            scores: scored.map((p) => ({ product: p.name, ...p.avss })),
          }
        : null,
      f.severity
        ? lines([
            `${f.severity.rating} ${f.severity.score.toFixed(1)}`,
            ...scored.map((p) => `- ${p.name}: ${p.avss?.score.toFixed(1)} ${p.avss?.vector}`),
          ])
        : null,
      f.severity ? 'the case’s severity (AVSS)' : 'score the case',
    );
  };

  if (f.stage === 'EARLY_WARNING') {
    memberStates();
    if (!vuln) {
      add(
        'suspectedUnlawfulOrMalicious',
        'Suspected of being caused by unlawful or malicious acts',
        f.details.suspectedMalicious,
        f.details.suspectedMalicious === null ? null : f.details.suspectedMalicious ? 'yes' : 'no',
        f.details.suspectedMalicious === null
          ? 'say so on the notification (updateCraNotification)'
          : 'the notification',
      );
    }
  } else if (f.stage === 'NOTIFICATION') {
    if (vuln) {
      const exploit =
        f.details.exploitNature ??
        (f.case.exploitationSource
          ? `Exploitation observed${f.case.exploitationObservedAt ? ` since ${day(f.case.exploitationObservedAt)}` : ''} (source: ${f.case.exploitationSource}).`
          : null);
      add(
        'exploitNature',
        'General nature of the exploit',
        exploit,
        exploit,
        f.details.exploitNature
          ? 'the notification'
          : exploit
            ? 'the case’s exploitation record'
            : 'describe it on the notification (updateCraNotification)',
      );
      const nature = f.case.summary
        ? `${f.case.summary}${f.case.cweIds.length ? ` (${f.case.cweIds.join(', ')})` : ''}`
        : null;
      add(
        'vulnerabilityNature',
        'General nature of the vulnerability',
        nature,
        nature,
        nature ? 'the case’s summary and CWE ids' : 'write the case summary',
      );
    } else {
      add(
        'incidentNature',
        'General nature of the incident',
        f.details.incidentNature,
        f.details.incidentNature,
        f.details.incidentNature ? 'the notification' : 'describe it on the notification',
      );
      add(
        'initialAssessment',
        'Initial assessment of the incident',
        f.details.initialAssessment,
        f.details.initialAssessment,
        f.details.initialAssessment ? 'the notification' : 'write it on the notification',
      );
    }
    measures();
    sensitivity();
  } else if (f.stage === 'INTERMEDIATE') {
    add(
      'statusUpdate',
      'Relevant status updates',
      f.details.statusUpdate,
      f.details.statusUpdate,
      f.details.statusUpdate ? 'the notification' : 'write it on the notification (updateCraNotification)',
    );
    severity();
    measures();
  } else if (vuln) {
    const description = f.case.summary
      ? `${f.case.title}. ${f.case.summary}${f.case.cweIds.length ? ` (${f.case.cweIds.join(', ')})` : ''}`
      : null;
    add(
      'vulnerabilityDescription',
      'Description of the vulnerability',
      description,
      description,
      description ? 'the case' : 'write the case summary',
    );
    severity();
    const affected = f.products.filter((p) => p.status !== 'UNDER_INVESTIGATION');
    add(
      'impact',
      'Impact',
      affected.length
        ? affected.map((p) => ({ product: p.name, status: p.status.toLowerCase(), versions: p.affectedVersions }))
        : null,
      lines(
        affected.map(
          (p) => `- ${p.name}${p.affectedVersions ? ` ${p.affectedVersions}` : ''}: ${p.status.toLowerCase()}`,
        ),
      ),
      affected.length ? 'the case’s product impacts' : 'finish the products’ analysis (impacts)',
    );
    add(
      'maliciousActor',
      'Malicious actor that exploited or is exploiting it',
      f.details.maliciousActor,
      f.details.maliciousActor,
      f.details.maliciousActor ? 'the notification' : 'where available: the notification',
      { optional: true },
    );
    const updates = f.measures.filter((m) => m.availableAt === null || m.availableAt <= f.now);
    add(
      'securityUpdate',
      'Security update or other corrective measures made available',
      measureValue(updates),
      lines(updates.map(describe)),
      updates.length ? 'the case’s fixes and mitigations' : 'record the security update on the case',
    );
  } else {
    add(
      'incidentDescription',
      'Detailed description of the incident, its severity and impact',
      f.details.incidentNature,
      f.details.incidentNature,
      f.details.incidentNature ? 'the notification' : 'describe it on the notification',
    );
    severity();
    add(
      'threatTypeOrRootCause',
      'Type of threat or root cause likely to have triggered it',
      f.details.rootCause,
      f.details.rootCause,
      f.details.rootCause ? 'the notification' : 'write it on the notification',
    );
    add(
      'mitigationMeasures',
      'Applied and ongoing mitigation measures',
      measureValue(f.measures),
      lines(f.measures.map(describe)),
      f.measures.length ? 'the case’s mitigations and fixes' : 'record them on the case',
    );
  }

  const missing = fields.filter((x) => !x.filled && !x.optional).map((x) => x.name);
  const json = {
    format: CRA_DRAFT_FORMAT,
    regulation: 'Regulation (EU) 2024/2847 (Cyber Resilience Act)',
    article: para,
    kind: f.kind.toLowerCase(),
    stage: f.stage.toLowerCase(),
    ...(f.stage === 'INTERMEDIATE' ? { ordinal: f.ordinal } : {}),
    dueAt: f.dueAt ? iso(f.dueAt) : null,
    fields: Object.fromEntries(fields.map((x) => [x.name, x.value])),
    missing,
  };
  const title = `${vuln ? 'Actively exploited vulnerability' : 'Severe incident'} — ${CRA_STAGE_NAMES[f.stage]}${f.stage === 'INTERMEDIATE' ? ` ${f.ordinal}` : ''} (${para})`;
  const text = [
    title,
    `${f.case.publicId}${f.dueAt ? ` · due ${iso(f.dueAt)}` : ''}`,
    '',
    ...fields.flatMap((x) => [
      `${x.label}:`,
      x.filled ? x.text.replace(/^/gm, '  ') : `  [${x.optional ? 'not available' : 'MISSING'}: ${x.source}]`,
      '',
    ]),
    missing.length ? `Missing: ${missing.join(', ')}` : 'Every required field is filled.',
  ].join('\n');
  return { json, text, fields, missing };
}
