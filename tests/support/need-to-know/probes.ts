// What the matrix sends: the arguments each root query is probed with, the
// placeholder values mutation probes carry, the live changes subscriptions hear,
// and how an answer names its record.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type GraphQLInputType,
  type GraphQLObjectType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
} from 'graphql';
import type { GqlResult, TestApp } from '../app.ts';
import type { shape } from './checks.ts';
import { type Facts, globalId } from './facts.ts';
import { namedType } from './matrix.ts';
import type { NeedToKnowWorld } from './world.ts';

/** Each root query, with the arguments it is probed with and the record they name (for its rule). */
export const rootProbes = async (
  app: TestApp,
  world: NeedToKnowWorld,
): Promise<Record<string, { args: Record<string, unknown>; record?: string; facts?: Partial<Facts> }[]>> => {
  const k = world.keys;
  const grid = await app.db.prisma.product.findUniqueOrThrow({
    where: { key: 'gateway' },
    select: { productLineId: true },
  });
  const gateway = { lineIds: [grid.productLineId] };
  const list = [{ args: { first: 100 } }];
  return {
    viewer: [{ args: {} }],
    varWorkflow: [{ args: {} }],
    advisoryWorkflow: [{ args: {} }],
    pgpKey: [{ args: {} }],
    slaPolicy: [{ args: {} }],
    committeePolicy: [{ args: {} }],
    slackChannelSubscriptions: [{ args: {} }],
    productLines: [{ args: {} }],
    earlyAdvisories: [{ args: {} }],
    craPrompts: [{ args: {} }],
    cvss: [{ args: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }],
    advisories: list,
    reports: list,
    cases: list,
    componentAssessments: list,
    products: list,
    reporters: list,
    triageQueue: list,
    inboundMails: [{ args: { first: 100, status: ['RECEIVED', 'PROCESSED', 'QUARANTINED', 'IGNORED', 'DISMISSED'] } }],
    auditLog: [{ args: { first: 5 } }],
    craNotifications: [{ args: { open: null } }],
    productComponents: [{ args: { product: 'gateway', version: '4.2.0' }, facts: gateway }],
    productVex: [{ args: { product: 'gateway' }, facts: gateway }],
    case: [k.secretCase, 'VAR-2026-9999'].map((publicId) => ({ args: { publicId } })),
    report: [k.secretReport, k.triageReport, k.duplicateReport].map((publicId) => ({ args: { publicId } })),
    advisory: [k.publicAdvisory, k.draftAdvisory, k.greenAdvisory, k.reviewAdvisory, k.withdrawnAdvisory].map(
      (publicId) => ({ args: { publicId } }),
    ),
    craNotification: [{ args: { id: k.craHandle } }],
    cveRecord: [k.secretCve, k.publicCve].map((cveId) => ({ args: { cveId } })),
  };
};

/** An answer without what varies between two identical requests (a fresh VEX's id and date). */
export function stable(name: string, s: ReturnType<typeof shape>) {
  if (name !== 'productVex') return s;
  return { ...s, data: contentOf(name, (s.data as Record<string, unknown> | null)?.r) };
}

/** The items of an answer that is a document or a list: a VEX's statements, an inventory's components. */
export function contentOf(name: string, value: unknown): unknown[] {
  if (name === 'productVex') {
    const doc = value as { vulnerabilities?: unknown[] } | null;
    return doc?.vulnerabilities ?? [];
  }
  return Array.isArray(value) ? value : value ? [value] : [];
}

/**
 * A value of an input type that passes GraphQL's coercion and names nothing
 * that exists: what a mutation probe sends, so that the answer is its
 * authorization (or a NOT_FOUND / VALIDATION after it), never a change.
 */
export function placeholder(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return [placeholder(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, placeholder(f.type)]),
    );
  }
  switch (type.name) {
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTime':
      return '2026-01-01T00:00:00Z';
    case 'JSON':
      return {};
    case 'ID':
      return globalId('User', '00000000-0000-7000-8000-000000000000');
    default:
      return 'x';
  }
}

export const SUBMIT_LIVE = `mutation($input: SubmitVulnerabilityReportInput!) { submitVulnerabilityReport(input: $input) { publicId } }`;
export const fixture = (name: string) =>
  JSON.parse(
    readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', name), 'utf8'),
  ) as unknown;

/** An advisory taken to publication while the subscriptions listen; its node id. */
export async function publishLive(app: TestApp, world: NeedToKnowWorld): Promise<string> {
  const { publishedAdvisory, readyCase } = await import('../advisories.ts');
  const publicId = await publishedAdvisory(app, world, await readyCase(app, world, { cve: 'CVE-2026-31009' }), {
    title: 'Published while listening',
  });
  const row = await app.db.prisma.advisory.findUniqueOrThrow({ where: { publicId } });
  return globalId('Advisory', row.id);
}

/** The record a root lookup's answer names, for its rule (a CVE record: its case; the advisory's publicity). */
export async function rootRecord(
  app: TestApp,
  factsOf: (id: string) => Promise<Facts>,
  name: string,
  args: Record<string, unknown>,
  oracle: GqlResult,
): Promise<Facts | null> {
  const value = (oracle.data as Record<string, any> | null)?.r;
  if (name === 'cveRecord') {
    const row = await app.db.prisma.cveAssignment.findFirst({
      where: { cveId: String(args.cveId) },
      select: { caseId: true },
    });
    const published = await app.db.prisma.advisory.count({
      where: {
        cases: { some: { caseId: row?.caseId ?? '' } },
        publishedRevision: { not: null },
        tlp: 'CLEAR',
        state: { not: 'WITHDRAWN' },
      },
    });
    return { type: 'none', id: '', caseId: row?.caseId ?? null, conditions: { public: published > 0 } };
  }
  if (value && typeof value === 'object' && typeof value.id === 'string' && !Array.isArray(value))
    return factsOf(value.id);
  return null;
}

export function nodeTypeOfConnection(c: GraphQLObjectType): string {
  const edges = c.getFields().edges;
  if (!edges) throw new Error(`${c.name} has no edges`);
  const edge = namedType(edges.type) as GraphQLObjectType;
  const node = edge.getFields().node;
  if (!node) throw new Error(`${edge.name} has no node`);
  return namedType(node.type).name;
}
