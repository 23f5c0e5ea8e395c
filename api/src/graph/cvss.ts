// The CVSS calculator over GraphQL: a stateless query anyone may call, and the
// CvssAssessment type that stored scores also expose.
import { CVSS_VERSION_ENUM, type CvssScore, DomainError, MAX_VECTOR_LENGTH, scoreCvss } from '@psirt/schema';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { CvssVersionEnum, SeverityEnum } from './enums.ts';

const CvssMetricGroupEnum = builder.enumType('CvssMetricGroup', {
  values: {
    BASE: { description: 'Base metrics (mandatory).' },
    TEMPORAL: { description: 'v2/v3.1 temporal metrics.' },
    THREAT: { description: 'v4.0 threat metric (Exploit Maturity).' },
    ENVIRONMENTAL: { description: 'Environmental metrics: security requirements and modified base metrics.' },
    SUPPLEMENTAL: { description: 'v4.0 supplemental metrics (never change the score).' },
  } as const,
});

const CvssMetric = builder.simpleObject('CvssMetric', {
  description: 'One metric of a vector with its human-readable names, e.g. AV:N = Attack Vector: Network.',
  fields: (t) => ({
    key: t.string({ description: 'e.g. AV' }),
    name: t.string({ description: 'e.g. Attack Vector' }),
    group: t.field({ type: CvssMetricGroupEnum }),
    value: t.string({ description: 'e.g. N' }),
    valueName: t.string({ description: 'e.g. Network' }),
  }),
});

export const CvssAssessment = builder.objectRef<CvssScore>('CvssAssessment').implement({
  description:
    'A vector scored per the FIRST specification (v2, v3.1 or v4.0). Ratings follow the PSIRT policy: NONE 0.0 (for an AVSS: not impacted), LOW 0.1–3.9, MEDIUM 4.0–6.9, HIGH 7.0–8.9, CRITICAL 9.0–10.0.',
  fields: (t) => ({
    version: t.field({ type: CvssVersionEnum, resolve: (s) => CVSS_VERSION_ENUM[s.version] }),
    vector: t.exposeString('vector', {
      description: 'Canonical: specification order, "not defined" (X) metrics left out.',
    }),
    baseScore: t.exposeFloat('baseScore'),
    temporalScore: t.exposeFloat('temporalScore', {
      nullable: true,
      description: 'v2/v3.1 temporal score; v4.0 CVSS-BT score. Null when the vector has no temporal/threat metric.',
    }),
    environmentalScore: t.exposeFloat('environmentalScore', {
      nullable: true,
      description: 'Null when the vector has no environmental metric.',
    }),
    score: t.exposeFloat('score', { description: 'The one to display: the most specific of the scores above.' }),
    severity: t.field({ type: SeverityEnum, resolve: (s) => s.severity }),
    impactSubScore: t.exposeFloat('impactSubScore', { nullable: true, description: 'v2/v3.1 only.' }),
    exploitabilitySubScore: t.exposeFloat('exploitabilitySubScore', { nullable: true, description: 'v2/v3.1 only.' }),
    nomenclature: t.exposeString('nomenclature', {
      nullable: true,
      description: 'v4.0 only: CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE.',
    }),
    macroVector: t.exposeString('macroVector', { nullable: true, description: 'v4.0 only: EQ1…EQ6, e.g. 002201.' }),
    metrics: t.field({
      type: [CvssMetric],
      description: 'The given metrics in specification order.',
      resolve: (s) => s.metrics(),
    }),
  }),
});

/** Who a calculator call counts against: the signed-in principal, else the client address. */
function limitKey(ctx: Context) {
  const v = ctx.viewer;
  return v.kind === 'user' ? `u:${v.userId}` : v.kind === 'reporter' ? `r:${v.reporterId}` : `ip:${ctx.clientIp}`;
}

builder.queryField('cvss', (t) =>
  t.field({
    type: CvssAssessment,
    description: `Scores a CVSS vector (CVSS:3.1/…, CVSS:4.0/… or a v2 vector, at most ${MAX_VECTOR_LENGTH} characters). Open to everyone, rate-limited per caller. A malformed vector is a VALIDATION error naming the metric or value and what is allowed.`,
    args: { vector: t.arg.string({ required: true }) },
    resolve: async (_root, { vector }, ctx) => {
      try {
        await ctx.calculatorLimiter.consume(limitKey(ctx));
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        const seconds = Math.ceil(e.msBeforeNext / 1000);
        throw new DomainError('RATE_LIMITED', `Too many calculations; try again in ${seconds} second(s).`);
      }
      return scoreCvss(vector);
    },
  }),
);
