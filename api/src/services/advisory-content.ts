// What an advisory says at a revision, built from its cases as they are now:
// frozen into each revision, voted on, published, and rendered from that alone
// (CSAF, the website, mails, CVE records).

import type { Tx } from '@psirt/db';
import type { AdvisoryContent } from '@psirt/schema';

/** What creditLine reads of a reporter. */
export const CREDIT_FIELDS = {
  kind: true,
  confidential: true,
  creditPreference: true,
  creditAs: true,
  name: true,
  organization: true,
} as const;

/** Who is credited, as each reporter chose; a confidential or anonymous reporter never is. */
export function creditLine(r: {
  kind: string;
  confidential: boolean;
  creditPreference: string;
  creditAs: string | null;
  name: string | null;
  organization: string | null;
}): string | null {
  if (r.confidential || r.kind === 'ANONYMOUS' || r.creditPreference === 'NONE') return null;
  if (r.creditAs) return r.creditAs;
  const parts =
    r.creditPreference === 'NAME'
      ? [r.name]
      : r.creditPreference === 'ORGANIZATION'
        ? [r.organization]
        : [r.name, r.organization ? `(${r.organization})` : null];
  const line = parts.filter(Boolean).join(' ');
  return line || null;
}

const creditsOf = (reports: readonly { reporter: Parameters<typeof creditLine>[0] | null }[]) =>
  [...new Set(reports.map((r) => (r.reporter ? creditLine(r.reporter) : null)))].filter((x): x is string => x !== null);

/**
 * The advisory's content frozen at a revision: its cases' products with status
 * and current AVSS, remediations, CVEs, CWEs and credits. What the committee
 * votes on and what is published (later: rendered as CSAF and on the website).
 */
export async function buildAdvisoryContent(tx: Pick<Tx, 'advisory'>, advisoryId: string): Promise<AdvisoryContent> {
  const a = await tx.advisory.findUniqueOrThrow({
    where: { id: advisoryId },
    select: {
      title: true,
      summary: true,
      tlp: true,
      cases: {
        orderBy: { caseId: 'asc' },
        select: {
          case: {
            select: {
              publicId: true,
              title: true,
              cweIds: true,
              severity: true,
              severityScore: true,
              exploitationObserved: true,
              exploitationObservedAt: true,
              publiclyKnown: true,
              cveAssignments: { where: { cveId: { not: null } }, select: { cveId: true, state: true } },
              impacts: {
                orderBy: { createdAt: 'asc' },
                select: {
                  productId: true,
                  product: {
                    select: { key: true, name: true, purl: true, cpe: true, productLine: { select: { name: true } } },
                  },
                  status: true,
                  justification: true,
                  justificationText: true,
                  affectedVersions: true,
                  fixedVersion: true,
                  fixEta: true,
                },
              },
              scores: {
                where: { kind: { in: ['AVSS', 'VENDOR_BASE'] } },
                orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
                select: { kind: true, productId: true, vector: true, score: true, severity: true, version: true },
              },
              mitigations: {
                orderBy: { createdAt: 'asc' },
                select: {
                  kind: true,
                  description: true,
                  fixVersion: true,
                  availableAt: true,
                  product: { select: { key: true } },
                },
              },
              reports: {
                orderBy: { receivedAt: 'asc' },
                select: {
                  reporter: { select: CREDIT_FIELDS },
                },
              },
            },
          },
        },
      },
    },
  });
  const cases = a.cases.map((ac) => ac.case);
  return {
    title: a.title,
    summary: a.summary,
    tlp: a.tlp,
    cases: cases.map((c) => ({
      publicId: c.publicId,
      title: c.title,
      severity: c.severity,
      severityScore: c.severityScore === null ? null : Number(c.severityScore),
      exploitationObserved: c.exploitationObserved,
      exploitationObservedAt: c.exploitationObserved ? (c.exploitationObservedAt?.toISOString() ?? null) : null,
      publiclyKnown: c.publiclyKnown,
      cves: c.cveAssignments.map((x) => x.cveId as string).sort(),
      cwes: [...c.cweIds].sort(),
      // The latest vendor base score of each CVSS version (scores come newest first).
      scores: [...new Map(c.scores.filter((s) => s.kind === 'VENDOR_BASE').map((s) => [s.version, s])).values()]
        .reverse()
        .map((s) => ({ version: s.version, vector: s.vector, score: Number(s.score), severity: s.severity })),
      credits: creditsOf(c.reports),
    })),
    cves: [...new Set(cases.flatMap((c) => c.cveAssignments.map((x) => x.cveId as string)))].sort(),
    cwes: [...new Set(cases.flatMap((c) => c.cweIds))].sort(),
    products: cases.flatMap((c) =>
      c.impacts.map((i) => {
        const avss = c.scores.find((s) => s.kind === 'AVSS' && s.productId === i.productId) ?? null;
        return {
          case: c.publicId,
          key: i.product.key,
          name: i.product.name,
          productLine: i.product.productLine.name,
          status: i.status,
          justification: i.justification,
          justificationText: i.justificationText,
          affectedVersions: i.affectedVersions,
          fixedVersion: i.fixedVersion,
          fixEta: i.fixEta?.toISOString() ?? null,
          avss: avss
            ? { version: avss.version, vector: avss.vector, score: Number(avss.score), severity: avss.severity }
            : null,
          purl: i.product.purl,
          cpe: i.product.cpe,
        };
      }),
    ),
    remediations: cases.flatMap((c) =>
      c.mitigations.map((m) => ({
        case: c.publicId,
        kind: m.kind,
        description: m.description,
        product: m.product?.key ?? null,
        fixVersion: m.fixVersion,
        availableAt: m.availableAt?.toISOString() ?? null,
      })),
    ),
    credits: creditsOf(cases.flatMap((c) => c.reports)),
  };
}
