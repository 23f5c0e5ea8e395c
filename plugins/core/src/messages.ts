// What the bot says: a case's card, new third-party matches with their
// "Open a case" buttons, and the committee's message with its vote buttons.
import type { PsirtApi, Reply, ThirdPartyMatch } from '@psirt/plugin-sdk';

export const CASE_CARD = `query($id: String!) { case(publicId: $id) {
  publicId title state severity severityScore embargoUntil nextUpdateDue updateOverdue
  impacts { product { name } status }
  members { role user { name } }
} }`;

export interface CaseCard {
  publicId: string;
  title: string;
  state: string;
  severity: string | null;
  severityScore: number | null;
  embargoUntil: string | null;
  nextUpdateDue: string | null;
  updateOverdue: boolean;
  impacts: { product: { name: string }; status: string }[];
  members: { role: string; user: { name: string } }[];
}

const SHOWN_MATCHES = 10;
/** Assessment ids one "Open a case" button carries (Slack allows 2,000 characters in a value). */
const IDS_PER_BUTTON = 40;

/**
 * New third-party matches as one message: a line each, the first ten,
 * known-exploited first; beside each CVE's first line, a button that opens one
 * case for all of that CVE's matches in the message (escalateAssessments, as
 * the person who clicks: the PSIRT).
 */
export function matchesMessage(matches: readonly ThirdPartyMatch[]): Reply {
  const kev = matches.filter((m) => m.knownExploited).length;
  const head = `*${matches.length} new third-party CVE match${matches.length === 1 ? '' : 'es'}*${
    kev ? ` (${kev} known exploited)` : ''
  } — to assess in the products' inventories`;
  const shown = matches.slice(0, SHOWN_MATCHES);
  const lines = shown.map((m) => {
    const score = m.supplierCvss
      ? ` · supplier CVSS ${m.supplierCvss.baseScore.toFixed(1)}${m.supplierCvss.severity ? ` ${m.supplierCvss.severity}` : ''}`
      : '';
    const component = `${m.component.name}${m.component.version ? ` ${m.component.version}` : ''}`;
    const epss = typeof m.epss === 'number' ? ` · EPSS ${(m.epss * 100).toFixed(1)} %` : '';
    return `• ${m.knownExploited ? ':rotating_light: ' : ''}*${m.cveId}*${m.knownExploited ? ' (known exploited)' : ''} — ${m.product} ${m.productVersion} · ${component}${score}${epss}`;
  });
  const more = matches.length > SHOWN_MATCHES ? [`… and ${matches.length - SHOWN_MATCHES} more`] : [];
  const buttoned = new Set<string>();
  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    ...shown.map((m, i) => {
      const section: Record<string, unknown> = { type: 'section', text: { type: 'mrkdwn', text: lines[i] } };
      if (!buttoned.has(m.cveId)) {
        buttoned.add(m.cveId);
        const ids = matches.filter((x) => x.cveId === m.cveId).map((x) => x.id);
        section.accessory = {
          type: 'button',
          action_id: 'escalate:assessments',
          text: { type: 'plain_text', text: 'Open a case' },
          value: ids.slice(0, IDS_PER_BUTTON).join(','),
        };
      }
      return section;
    }),
    ...(more.length ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: more[0] }] }] : []),
  ];
  return { text: [head, ...lines, ...more].join('\n'), blocks };
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

/** The summary card of a case (mrkdwn). */
export function caseCard(c: CaseCard): string {
  const severity = c.severity ? `${c.severity} ${c.severityScore?.toFixed(1) ?? ''}`.trim() : 'not scored';
  const products = c.impacts.map((i) => `${i.product.name} (${i.status.toLowerCase().replace(/_/g, ' ')})`);
  const team = c.members.map((m) => `${m.user.name} (${m.role.toLowerCase().replace(/_/g, ' ')})`);
  return [
    `*${c.publicId}* — ${c.title}`,
    `State: ${c.state.toLowerCase()} · Severity: ${severity}`,
    `Products: ${products.join(', ') || '—'}`,
    `Team: ${team.join(', ') || '—'}`,
    `Next reporter update: ${day(c.nextUpdateDue)}${c.updateOverdue ? ' (overdue)' : ''} · Embargo: ${day(c.embargoUntil)}`,
  ].join('\n');
}

// ── The committee: each revision under review goes to its channel with vote buttons ──

const ADVISORY_CARD = `query($a: String!) { advisory(publicId: $a) {
  publicId title state currentRevision
  revisions { number changelog }
  tally { approve reject abstain missing decision }
} }`;

export interface AdvisoryCard {
  publicId: string;
  title: string;
  state: string;
  currentRevision: number;
  revisions: { number: number; changelog: string | null }[];
  tally: { approve: number; reject: number; abstain: number; missing: number; decision: string | null } | null;
}

export const VOTES = { approve: 'APPROVE', reject: 'REJECT', abstain: 'ABSTAIN' } as const;

export const readAdvisory = async (api: PsirtApi, publicId: string) =>
  (await api.gql<{ advisory: AdvisoryCard | null }>(ADVISORY_CARD, { a: publicId })).advisory;

/** The committee's message for an advisory: its revision, the tally, and vote buttons while under review. */
export function committeeMessage(a: AdvisoryCard): Reply {
  const revision = a.revisions.find((r) => r.number === a.currentRevision);
  const t = a.tally;
  const lines = [
    `*${a.publicId}* — ${a.title}`,
    `Revision ${a.currentRevision}${revision?.changelog ? `: ${revision.changelog}` : ''}`,
    t ? `Votes: ${t.approve} approve · ${t.reject} reject · ${t.abstain} abstain · ${t.missing} more needed` : '',
    t?.decision
      ? `*Decision: ${t.decision.toLowerCase()}*`
      : a.state === 'IN_REVIEW'
        ? ''
        : `State: ${a.state.toLowerCase()}`,
  ].filter(Boolean);
  const text = lines.join('\n');
  const value = `${a.publicId}:${a.currentRevision}`;
  const button = (label: string, vote: keyof typeof VOTES, style?: 'primary' | 'danger') => ({
    type: 'button',
    action_id: `vote:${vote}`,
    text: { type: 'plain_text', text: label },
    value,
    ...(style ? { style } : {}),
  });
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      ...(a.state === 'IN_REVIEW'
        ? [
            {
              type: 'actions',
              block_id: 'vote',
              elements: [
                button('Approve', 'approve', 'primary'),
                button('Reject', 'reject', 'danger'),
                button('Abstain', 'abstain'),
              ],
            },
          ]
        : []),
    ],
  };
}
