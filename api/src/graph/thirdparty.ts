// Third-party CVEs in the products' components: the CVE as the feeds say,
// the component it was matched to, and each product's assessment of it.
import { AssessmentState, type Prisma } from '@psirt/db';
import { isUuid, type SupplierMetric } from '@psirt/schema';
import { answerableProducts, assessmentVisibility, mayReadCase } from '../access.ts';
import { builder } from '../builder.ts';
import { allMetrics, type SupplierAdvisoryEntry } from '../feeds/csaf.ts';
import { supplierScoreFor } from '../feeds/match.ts';
import {
  addComponent,
  assessComponent,
  escalateAssessments,
  importProductSbom,
  productVex,
  removeComponent,
} from '../services/thirdparty.ts';
import { SeverityEnum, VexJustificationEnum } from './enums.ts';
import { registerNodeGuard } from './guards.ts';
import { TlpEnum, tlpInput } from './tlp.ts';

const AssessmentStateEnum = builder.enumType(AssessmentState, {
  name: 'AssessmentState',
  description:
    'IN_TRIAGE (matched, not yet assessed) → EXPLOITABLE (affected) | NOT_AFFECTED (with a VEX justification) | FALSE_POSITIVE (the match is wrong) | RESOLVED (fixed in this product).',
});

const CvssMetric = builder.objectRef<SupplierMetric>('SupplierCvss').implement({
  description: 'A CVSS score published for a CVE by one source (NVD, the CNA, the supplier).',
  fields: (t) => ({
    source: t.exposeString('source'),
    type: t.exposeString('type', {
      nullable: true,
      description: "Primary or Secondary (NVD); Supplier: from the supplier's own CSAF advisory.",
    }),
    version: t.exposeString('version'),
    vector: t.exposeString('vector'),
    baseScore: t.exposeFloat('baseScore'),
    severity: t.exposeString('severity', { nullable: true }),
  }),
});

const Remediation = builder.objectRef<SupplierAdvisoryEntry['remediations'][number]>('SupplierRemediation').implement({
  description:
    "A remediation a supplier's advisory gives (vendor_fix, workaround, mitigation, no_fix_planned, none_available).",
  fields: (t) => ({
    category: t.exposeString('category'),
    details: t.exposeString('details'),
    url: t.exposeString('url', { nullable: true }),
  }),
});

const SupplierAdvisory = builder.objectRef<SupplierAdvisoryEntry>('SupplierAdvisory').implement({
  description: "What a supplier's CSAF 2.0 advisory says of the CVE (the latest revision imported).",
  fields: (t) => ({
    publisher: t.exposeString('publisherName'),
    publisherNamespace: t.exposeString('publisher'),
    trackingId: t.exposeString('trackingId'),
    version: t.exposeString('version', { description: 'The advisory revision.' }),
    releaseDate: t.field({ type: 'DateTime', resolve: (a) => new Date(a.releaseDate) }),
    title: t.exposeString('title'),
    url: t.exposeString('url', { nullable: true }),
    remediations: t.field({ type: [Remediation], resolve: (a) => a.remediations }),
    unmatchableProducts: t.exposeStringList('unmatchable', {
      description: 'Affected products the advisory names without a package URL or CPE: they cannot be matched.',
    }),
  }),
});

builder.prismaObject('ThirdPartyVulnerability', {
  description: "A CVE from a feed (NVD API 2.0) or a supplier's CSAF advisory, as published.",
  select: { id: true },
  fields: (t) => ({
    cveId: t.exposeString('cveId'),
    description: t.exposeString('description', { nullable: true }),
    publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true }),
    lastModified: t.expose('lastModified', { type: 'DateTime', nullable: true }),
    knownExploited: t.exposeBoolean('knownExploited', {
      description: "On CISA's Known Exploited Vulnerabilities list.",
    }),
    kev: t.expose('kev', {
      type: 'JSON',
      nullable: true,
      description:
        "The KEV entry (from NVD or CISA's catalogue): exploitAdd, actionDue, requiredAction, name, knownRansomwareCampaignUse.",
    }),
    epss: t.exposeFloat('epss', {
      nullable: true,
      description: 'FIRST EPSS: the probability of exploitation in the next 30 days (0-1), as of the last EPSS import.',
    }),
    epssPercentile: t.exposeFloat('epssPercentile', {
      nullable: true,
      description: 'Its percentile among all CVEs (0-1).',
    }),
    topScore: t.float({
      nullable: true,
      description: 'The highest CVSS base score any source gives (NVD, the CNA, suppliers, OSV).',
      select: { topScore: true },
      resolve: (v) => (v.topScore === null ? null : Number(v.topScore)),
    }),
    cwes: t.exposeStringList('cwes'),
    metrics: t.field({
      type: [CvssMetric],
      description: "NVD's, and each supplier advisory's.",
      select: { metrics: true, advisories: true },
      resolve: (v) => allMetrics(v),
    }),
    references: t.expose('references', { type: 'JSON' }),
    source: t.exposeString('source', { description: 'NVD, or the supplier whose advisory first named it.' }),
    supplierAdvisories: t.field({
      type: [SupplierAdvisory],
      select: { advisories: true },
      resolve: (v) => v.advisories as unknown as SupplierAdvisoryEntry[],
    }),
  }),
});

builder.prismaObject('Component', {
  description: 'A third-party component of a product version (from its SBOM).',
  select: { id: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    version: t.exposeString('version', { nullable: true }),
    supplier: t.exposeString('supplier', { nullable: true }),
    purl: t.exposeString('purl', { nullable: true }),
    cpe: t.exposeString('cpe', { nullable: true }),
    productVersion: t.string({
      select: { productVersion: { select: { version: true } } },
      resolve: (c) => c.productVersion.version,
    }),
  }),
});

registerNodeGuard('ComponentAssessment', async (ctx, id) => {
  if (!isUuid(id)) return false;
  return (await ctx.db.componentAssessment.count({ where: { AND: [{ id }, assessmentVisibility(ctx.viewer)] } })) > 0;
});

const Avss = builder.simpleObject('AssessmentAvss', {
  fields: (t) => ({
    vector: t.string(),
    score: t.float(),
    severity: t.field({ type: SeverityEnum }),
    rationale: t.string({ nullable: true }),
    at: t.field({ type: 'DateTime' }),
  }),
});

export const ComponentAssessment = builder.prismaNode('ComponentAssessment', {
  id: { field: 'id' },
  findUnique: (id) => ({ id }),
  select: { id: true },
  description:
    "A third-party CVE matched to a component of a product, and the product's assessment of it. The PSIRT, and the product line's Primes and Specialists.",
  fields: (t) => ({
    state: t.expose('state', { type: AssessmentStateEnum }),
    justification: t.expose('justification', { type: VexJustificationEnum, nullable: true }),
    rationale: t.exposeString('rationale', { nullable: true }),
    matchedAt: t.expose('matchedAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    vulnerability: t.relation('vulnerability'),
    component: t.relation('component'),
    product: t.relation('product'),
    supplierCvss: t.field({
      type: CvssMetric,
      nullable: true,
      description:
        "The score beside the AVSS: the supplier's own when this component is one of its products (matched through its CSAF product tree), else NVD's primary, else the CNA's or OSV's.",
      select: {
        vulnerability: { select: { metrics: true, advisories: true } },
        component: { select: { id: true, cpe: true, purl: true, version: true } },
      },
      resolve: (a) => supplierScoreFor(a.vulnerability, a.component),
    }),
    avss: t.field({
      type: Avss,
      nullable: true,
      description: "The vendor's adjusted score for this product (the latest), with its rationale.",
      select: {
        scores: {
          where: { kind: 'AVSS' },
          orderBy: { createdAt: 'desc' },
          take: 1,
          select: { vector: true, score: true, severity: true, rationale: true, createdAt: true },
        },
      },
      resolve: (a) => {
        const s = a.scores[0];
        return s
          ? { vector: s.vector, score: Number(s.score), severity: s.severity, rationale: s.rationale, at: s.createdAt }
          : null;
      },
    }),
    casePublicId: t.string({
      nullable: true,
      description: 'The case (VAR) it was escalated into, if the viewer may see that case.',
      select: { caseId: true, case: { select: { publicId: true } } },
      resolve: async (a, _args, ctx) =>
        a.caseId && (await mayReadCase(ctx, a.caseId)) ? (a.case?.publicId ?? null) : null,
    }),
  }),
});

const VexFormatEnum = builder.enumType('VexFormat', {
  values: {
    CSAF: { description: 'CSAF 2.0, profile csaf_vex.' },
    CYCLONEDX: { description: 'CycloneDX 1.5 JSON, with vulnerabilities and their analysis.' },
  } as const,
});

builder.queryFields((t) => ({
  productVex: t.field({
    type: 'JSON',
    description:
      "A product's VEX for the third-party CVEs matched to its components, from the current assessments the viewer may read (the PSIRT, the product line's staff).",
    authScopes: { staff: true },
    args: {
      product: t.arg.string({ required: true, description: 'The product key.' }),
      format: t.arg({ type: VexFormatEnum, required: false, description: 'Default CSAF.' }),
      tlp: t.arg({ type: TlpEnum, required: false, description: 'The document’s TLP (default AMBER).' }),
    },
    resolve: (_root, args, ctx) => productVex(ctx, args.product, args.format ?? 'CSAF', tlpInput(args.tlp) ?? 'AMBER'),
  }),
}));

builder.queryFields((t) => ({
  componentAssessments: t.prismaConnection({
    type: ComponentAssessment,
    cursor: 'id',
    description:
      'Third-party CVEs matched to the products the viewer answers for: known-exploited first, then by EPSS, then by the highest CVSS base score, then newest. The PSIRT sees all; Primes and Specialists their product lines.',
    args: {
      product: t.arg.string({ required: false, description: 'A product key.' }),
      states: t.arg({ type: [AssessmentStateEnum], required: false }),
      knownExploited: t.arg.boolean({ required: false }),
    },
    authScopes: { staff: true },
    totalCount: (_c, args, ctx) => ctx.db.componentAssessment.count({ where: assessmentWhere(ctx.viewer, args) }),
    resolve: (query, _root, args, ctx) =>
      ctx.db.componentAssessment.findMany({
        ...query,
        where: assessmentWhere(ctx.viewer, args),
        orderBy: [...EXPLOIT_FIRST, { matchedAt: 'desc' }, { id: 'desc' }],
      }),
  }),
}));

/** The triage order of matches: known exploited, then likely to be (EPSS), then severe. */
export const EXPLOIT_FIRST = [
  { vulnerability: { knownExploited: 'desc' } },
  { vulnerability: { epss: { sort: 'desc', nulls: 'last' } } },
  { vulnerability: { topScore: { sort: 'desc', nulls: 'last' } } },
] as const satisfies Prisma.ComponentAssessmentOrderByWithRelationInput[];

function assessmentWhere(
  viewer: Parameters<typeof assessmentVisibility>[0],
  args: { product?: string | null; states?: readonly string[] | null; knownExploited?: boolean | null },
) {
  return {
    AND: [
      assessmentVisibility(viewer),
      args.product ? { product: { key: args.product } } : {},
      args.states?.length ? { state: { in: [...args.states] as AssessmentState[] } } : {},
      typeof args.knownExploited === 'boolean' ? { vulnerability: { knownExploited: args.knownExploited } } : {},
    ],
  };
}

builder.queryFields((t) => ({
  productComponents: t.prismaField({
    type: ['Component'],
    description: "A product version's components (its inventory). The PSIRT, and the product line's staff.",
    authScopes: { staff: true },
    args: { product: t.arg.string({ required: true }), version: t.arg.string({ required: true }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.component.findMany({
        ...query,
        where: {
          productVersion: {
            version: args.version,
            product: { AND: [{ key: args.product }, answerableProducts(ctx.viewer)] },
          },
        },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      }),
  }),
}));

const SbomPayload = builder.simpleObject('ImportSbomPayload', {
  fields: (t) => ({
    added: t.int(),
    kept: t.int({ description: 'Components still listed: they keep their assessments.' }),
    removed: t.int(),
    matches: t.int({ description: 'Components of this version affected by a CVE held.' }),
    newAssessments: t.int(),
  }),
});

const ComponentInput = builder.inputType('AddComponentInput', {
  fields: (t) => ({
    product: t.string({ required: true, description: 'The product key.' }),
    version: t.string({ required: true, description: 'The product version that ships it.' }),
    name: t.string({ required: true }),
    componentVersion: t.string({ required: false }),
    supplier: t.string({ required: false }),
    purl: t.string({ required: false }),
    cpe: t.string({ required: false, description: 'CPE 2.3, e.g. cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*' }),
  }),
});

const AssessInput = builder.inputType('AssessComponentVulnerabilityInput', {
  fields: (t) => ({
    id: t.string({ required: true, description: 'The assessment (node id).' }),
    state: t.field({ type: AssessmentStateEnum, required: true }),
    justification: t.field({ type: VexJustificationEnum, required: false, description: 'Required for NOT_AFFECTED.' }),
    rationale: t.string({ required: false }),
    avssVector: t.string({
      required: false,
      description: "The vendor's adjusted CVSS vector for this product (AVSS); needs a rationale.",
    }),
  }),
});

builder.mutationFields((t) => ({
  importSbom: t.field({
    type: SbomPayload,
    description:
      "Replaces a product version's components with a CycloneDX JSON SBOM's and matches them against the CVEs held. The PSIRT, and the product line's staff.",
    args: {
      product: t.arg.string({ required: true }),
      version: t.arg.string({ required: true }),
      sbom: t.arg({ type: 'JSON', required: true, description: 'The CycloneDX BOM (JSON).' }),
    },
    resolve: (_root, args, ctx) =>
      importProductSbom(ctx, { product: args.product, version: args.version, sbom: args.sbom }),
  }),
  addComponent: t.prismaField({
    type: 'Component',
    description: 'Adds a component to a product version by hand (it needs a purl or a CPE), then matches it.',
    args: { input: t.arg({ type: ComponentInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { id } = await addComponent(ctx, input);
      return ctx.db.component.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  removeComponent: t.boolean({
    description: 'Removes a component; its assessments go with it.',
    args: { id: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => removeComponent(ctx, args.id),
  }),
  assessComponentVulnerability: t.prismaField({
    type: ComponentAssessment,
    description: "Records a product's assessment of a third-party CVE, optionally with its AVSS.",
    args: { input: t.arg({ type: AssessInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { id } = await assessComponent(ctx, input as never);
      return ctx.db.componentAssessment.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  escalateAssessments: t.prismaField({
    type: 'AnalysisCase',
    description:
      'Escalates assessments (one or several CVEs) into a new case (VAR), or into an existing one with `caseId`. PSIRT only.',
    args: {
      ids: t.arg.stringList({ required: true }),
      caseId: t.arg.string({ required: false, description: 'VAR-… or node id: join this case instead.' }),
      title: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, ctx) => {
      const { id } = await escalateAssessments(ctx, args);
      return ctx.db.analysisCase.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
}));
