import { builder } from '../builder.ts';
import { setSla } from '../services/settings.ts';

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
