// The advisory mailing list over GraphQL: anyone may ask to subscribe (double
// opt-in by mail); the links in the mails confirm and unsubscribe.
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { confirmSubscription, type ListContext, subscribe, unsubscribe } from '../services/mailing.ts';
import { SeverityEnum } from './enums.ts';

export const listContext = (ctx: Context): ListContext => ({
  db: ctx.db,
  now: ctx.now,
  requestId: ctx.requestId,
  clientIp: ctx.clientIp,
  limiter: ctx.submissionLimiter,
  publisher: ctx.policy.publisher,
});

const SubscribeResult = builder.simpleObject('AdvisorySubscriptionRequest', {
  fields: (t) => ({
    message: t.string({ description: 'The same for every address: no one learns who is subscribed.' }),
  }),
});

builder.mutationFields((t) => ({
  subscribeToAdvisories: t.field({
    type: SubscribeResult,
    description:
      'Ask to receive published advisories by mail (anyone; rate-limited). A confirmation link is mailed; the subscription and its filters start when it is opened.',
    args: {
      email: t.arg.string({ required: true }),
      products: t.arg.stringList({ required: false, description: 'Product keys; omit for all.' }),
      minSeverity: t.arg({ type: SeverityEnum, required: false }),
    },
    resolve: (_r, args, ctx) => subscribe(listContext(ctx), args),
  }),
  confirmAdvisorySubscription: t.boolean({
    description: 'Open a confirmation link (the token from the mail).',
    args: { token: t.arg.string({ required: true }) },
    resolve: async (_r, args, ctx) => {
      await confirmSubscription(ctx, args.token);
      return true;
    },
  }),
  unsubscribeFromAdvisories: t.boolean({
    description: 'Follow an unsubscribe link (the token from any advisory mail).',
    args: { token: t.arg.string({ required: true }) },
    resolve: async (_r, args, ctx) => {
      await unsubscribe(ctx, args.token);
      return true;
    },
  }),
}));
