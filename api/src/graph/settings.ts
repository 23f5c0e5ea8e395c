import { builder } from '../builder.ts';
import { currentPublicKey } from '../services/keys.ts';
import { setSla } from '../services/settings.ts';
import { channelSubscriptions, subscribeChannel, unsubscribeChannel } from '../services/slack.ts';
import { SeverityEnum } from './enums.ts';

const SlaPolicy = builder.simpleObject('SlaPolicy', {
  description: 'Reporter-communication service levels.',
  fields: (t) => ({
    acknowledgeWithinHours: t.int({ description: 'Acknowledge a report within this many hours.' }),
    updateEveryDays: t.int({ description: 'Update the reporters of an open case at least this often.' }),
  }),
});

builder.queryField('slaPolicy', (t) =>
  t.field({ type: SlaPolicy, authScopes: { staff: true }, resolve: (_r, _a, ctx) => ctx.sla() }),
);

builder.mutationField('setSlaPolicy', (t) =>
  t.field({
    type: SlaPolicy,
    description: 'Change the reporter-communication SLA. Admins only.',
    args: {
      acknowledgeWithinHours: t.arg.int({ required: false }),
      updateEveryDays: t.arg.int({ required: false }),
    },
    resolve: (_r, args, ctx) =>
      setSla(ctx, {
        ...(args.acknowledgeWithinHours != null ? { acknowledgeWithinHours: args.acknowledgeWithinHours } : {}),
        ...(args.updateEveryDays != null ? { updateEveryDays: args.updateEveryDays } : {}),
      }),
  }),
);

const SlackChannelSubscription = builder.simpleObject('SlackChannelSubscription', {
  description: 'A Slack channel that hears of case changes (state, severity), filtered.',
  fields: (t) => ({
    channelId: t.string(),
    products: t.stringList({ description: 'Product keys; empty: every product.' }),
    minSeverity: t.field({ type: SeverityEnum, nullable: true }),
    embargoed: t.boolean({ description: 'Also embargoed cases (a private channel set aside for them).' }),
  }),
});

builder.queryField('slackChannelSubscriptions', (t) =>
  t.field({
    type: [SlackChannelSubscription],
    description: 'Channels hearing of case changes. The PSIRT and the Slack bot.',
    authScopes: { staff: true },
    resolve: (_r, _a, ctx) => channelSubscriptions(ctx),
  }),
);

builder.mutationFields((t) => ({
  subscribeSlackChannel: t.field({
    type: SlackChannelSubscription,
    description:
      'Announce case changes in a Slack channel (replacing its filters). Embargoed cases only in a private channel. PSIRT only; the bot tells whether the channel is private.',
    args: {
      channelId: t.arg.string({ required: true }),
      products: t.arg.stringList({ required: false }),
      minSeverity: t.arg({ type: SeverityEnum, required: false }),
      embargoed: t.arg.boolean({ required: false }),
      private: t.arg.boolean({ required: true }),
    },
    resolve: (_r, a, ctx) =>
      subscribeChannel(ctx, {
        channelId: a.channelId,
        products: a.products ?? [],
        minSeverity: a.minSeverity ?? null,
        embargoed: a.embargoed ?? false,
        private: a.private,
      }),
  }),
  unsubscribeSlackChannel: t.boolean({
    description: 'Stop announcing case changes in a channel. PSIRT only. False if it was not subscribed.',
    args: { channelId: t.arg.string({ required: true }) },
    resolve: (_r, a, ctx) => unsubscribeChannel(ctx, a.channelId),
  }),
}));

const PgpKey = builder.simpleObject('PgpKey', {
  description: 'The PSIRT’s current OpenPGP public key (also at /pgp-key.asc): encrypt reports to it.',
  fields: (t) => ({
    fingerprint: t.string(),
    armored: t.string({ description: 'The ASCII-armoured public key.' }),
    createdAt: t.field({ type: 'DateTime' }),
  }),
});

builder.queryField('pgpKey', (t) =>
  t.field({
    type: PgpKey,
    nullable: true,
    description: 'The PSIRT’s current OpenPGP public key; null until one is generated or imported. Anyone.',
    resolve: (_r, _a, ctx) => currentPublicKey(ctx.db),
  }),
);
