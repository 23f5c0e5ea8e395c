// Mail intake in the API: the quarantine for analysts, and what a mail
// brought (encryption, signature check, attachments) on reports and messages.
import { InboundMailStatus, QuarantineReason } from '@psirt/db';
import { isUuid } from '@psirt/schema';
import { isPsirt, PSIRT_ROLES } from '../access.ts';
import { builder } from '../builder.ts';
import { dismissMail, reprocessMail } from '../services/intake.ts';
import type { SignatureStatus } from '../services/keys.ts';
import { registerNodeGuard } from './guards.ts';
import { internal, VulnerabilityReport } from './report.ts';

const InboundMailStatusEnum = builder.enumType(InboundMailStatus, { name: 'InboundMailStatus' });
const QuarantineReasonEnum = builder.enumType(QuarantineReason, {
  name: 'QuarantineReason',
  description: 'Why a received mail could not be processed.',
});
export const SignatureStatusEnum = builder.enumType('SignatureStatus', {
  description: "What the check of a mail's OpenPGP signature said.",
  values: {
    UNSIGNED: { description: 'Not signed.' },
    VALID: { description: 'Verified with the key the PSIRT already had for the sender.' },
    UNKNOWN_KEY: {
      description:
        'Signed by a key the PSIRT does not have for the sender (a key attached to the same mail proves nothing).',
    },
    BAD: { description: "Does not verify with the sender's known key: altered, or not theirs." },
  } as const,
});

registerNodeGuard('InboundMail', async (ctx, id) => isUuid(id) && isPsirt(ctx.viewer));

const InboundMail = builder.prismaNode('InboundMail', {
  id: { field: 'id' },
  findUnique: (id) => ({ id }),
  // Select mode: the raw mail (up to twice PSIRT_MAIL_MAX_BYTES) is never loaded for a list.
  select: { id: true },
  description:
    'A mail received by the PSIRT (SMTP or `psirt intake mail`), kept as received; what became of it. PSIRT only.',
  fields: (t) => ({
    sender: t.exposeString('sender', { nullable: true, description: 'The From address.' }),
    subject: t.exposeString('subject', {
      nullable: true,
      description: 'The subject as sent (outside any encryption).',
    }),
    via: t.exposeString('via', { description: 'SMTP or CLI.' }),
    status: t.expose('status', { type: InboundMailStatusEnum }),
    reason: t.expose('reason', { type: QuarantineReasonEnum, nullable: true }),
    detail: t.exposeString('detail', {
      nullable: true,
      description: 'What went wrong, in detail (for analysts; the sender is never told).',
    }),
    size: t.exposeInt('size', { description: 'Bytes received.' }),
    truncated: t.exposeBoolean('truncated', { description: 'Cut at the SMTP hard limit.' }),
    attempts: t.exposeInt('attempts'),
    encrypted: t.exposeBoolean('encrypted'),
    signatureStatus: t.field({
      type: SignatureStatusEnum,
      nullable: true,
      select: { signatureStatus: true },
      resolve: (m) => m.signatureStatus as SignatureStatus | null,
    }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    processedAt: t.expose('processedAt', { type: 'DateTime', nullable: true }),
    report: t.relation('report', { nullable: true, description: 'The VSR it became, or the one it answered.' }),
  }),
});

builder.prismaObject('Attachment', {
  description: 'A file a reporter sent, decrypted when it arrived encrypted.',
  // Select mode: the content is read only when contentBase64 is asked for.
  select: { id: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    filename: t.exposeString('filename'),
    contentType: t.exposeString('contentType'),
    size: t.exposeInt('size'),
    sha256: t.exposeString('sha256'),
    encrypted: t.exposeBoolean('encrypted', { description: 'It arrived encrypted (stored decrypted).' }),
    signatureStatus: t.field({
      type: SignatureStatusEnum,
      nullable: true,
      description:
        'The signature check of the part the file came in: a file added outside the signed part (by a list, or anyone on the way) is UNSIGNED however the mail was signed.',
      select: { signatureStatus: true },
      resolve: (a) => a.signatureStatus as SignatureStatus | null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    contentBase64: t.string({
      select: { content: true },
      description: 'The file, base64-encoded.',
      resolve: (a) => Buffer.from(a.content).toString('base64'),
    }),
  }),
});

const UNVERIFIED =
  'Text that came with the mail outside what its encrypted and signatureStatus vouch for (around a signed or encrypted block, a mailing-list footer, an unencrypted part), each piece headed by what it is, e.g. "[not signed, not encrypted]". Never part of the description or body: read it as anyone could have written it.';

builder.prismaObjectFields(VulnerabilityReport, (t) => ({
  encrypted: t.exposeBoolean('encrypted', { ...internal, nullable: true, description: 'It arrived encrypted.' }),
  unverifiedText: t.exposeString('unverifiedText', { ...internal, nullable: true, description: UNVERIFIED }),
  signatureStatus: t.field({
    type: SignatureStatusEnum,
    ...internal,
    nullable: true,
    resolve: (r) => r.signatureStatus as SignatureStatus | null,
  }),
  attachments: t.relation('attachments', {
    ...internal,
    nullable: true,
    description: 'Files the reporter sent, oldest first.',
    query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
  }),
}));

builder.prismaObjectFields('ReporterMessage', (t) => ({
  encrypted: t.exposeBoolean('encrypted', { description: 'Sent or received encrypted.' }),
  unverifiedText: t.exposeString('unverifiedText', { nullable: true, description: UNVERIFIED }),
  signatureStatus: t.field({
    type: SignatureStatusEnum,
    nullable: true,
    description: 'For a mail from the reporter: its signature check.',
    resolve: (m) => m.signatureStatus as SignatureStatus | null,
  }),
  attachments: t.relation('attachments', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
}));

builder.queryFields((t) => ({
  inboundMails: t.prismaConnection({
    type: InboundMail,
    cursor: 'id',
    description: 'Received mail, newest first; by default the quarantine. PSIRT only.',
    authScopes: { anyRole: PSIRT_ROLES },
    args: {
      status: t.arg({ type: [InboundMailStatusEnum], required: false, description: 'Default: QUARANTINED.' }),
    },
    totalCount: (_c, args, ctx) =>
      ctx.db.inboundMail.count({ where: { status: { in: args.status ?? ['QUARANTINED'] } } }),
    resolve: (query, _root, args, ctx) =>
      ctx.db.inboundMail.findMany({
        ...query,
        where: { status: { in: args.status ?? ['QUARANTINED'] } },
        orderBy: { id: 'desc' },
      }),
  }),
}));

const IntakeOutcomeEnum = builder.enumType('IntakeOutcome', {
  values: {
    REPORT: { description: 'A new VSR.' },
    MESSAGE: { description: 'A message on an existing VSR.' },
    QUARANTINED: { description: 'Still (or again) in the quarantine; see the mail’s reason.' },
    DUPLICATE: { description: 'Already handled by someone else meanwhile.' },
    IGNORED: { description: 'An automatic mail (auto-reply, bounce, bulk): no VSR, no answer; see the mail’s detail.' },
  } as const,
});

const ReprocessPayload = builder.simpleObject('ReprocessInboundMailPayload', {
  fields: (t) => ({
    outcome: t.field({ type: IntakeOutcomeEnum }),
    reportPublicId: t.string({ nullable: true, description: 'The VSR it became or answered.' }),
  }),
});

builder.mutationFields((t) => ({
  reprocessInboundMail: t.field({
    type: ReprocessPayload,
    description:
      'Runs a quarantined or set-aside mail through intake again (after importing the key it was encrypted to, raising the size limit…). PSIRT only.',
    args: { id: t.arg.string({ required: true, description: 'The mail’s node id (or UUID).' }) },
    resolve: async (_root, args, ctx) => {
      const r = await reprocessMail(ctx, args.id);
      return {
        outcome: r.outcome,
        reportPublicId: 'publicId' in r ? r.publicId : null,
      };
    },
  }),
  dismissInboundMail: t.prismaField({
    type: InboundMail,
    description: 'Sets a quarantined mail aside (it stays stored and can be re-processed). PSIRT only.',
    args: { id: t.arg.string({ required: true }), note: t.arg.string({ required: false }) },
    resolve: async (query, _root, args, ctx) => {
      const { id } = await dismissMail(ctx, args.id, args.note);
      return ctx.db.inboundMail.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
}));
