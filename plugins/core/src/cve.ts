// `/psirt cve reserve VAR-… [n]`: reserve CVE ids for a case from CVE Services.
// The API queues the call (the PSIRT only); the ids land on the case, and the
// case's channels hear of them with its other changes.
import { type Command, UsageError } from '@psirt/plugin-sdk';
import { caseArg } from './args.ts';

export const cveCommand: Command = {
  name: 'cve',
  usage: 'reserve <VAR> [how many, 1-10]',
  description: 'Reserve CVE ids for a case from CVE Services (the ids appear on the case when CVE Services answers).',
  async run(ctx) {
    const [verb] = ctx.args;
    if (verb !== 'reserve') throw new UsageError(verb ? `"${verb}": only "reserve" is offered here` : 'reserve?');
    const id = caseArg(ctx, 1);
    const n = ctx.args[2] ?? '1';
    if (!/^\d+$/.test(n) || Number(n) < 1 || Number(n) > 10)
      throw new UsageError(`"${n}" is not a number from 1 to 10`);
    await ctx.api.gql('mutation($c: String!, $n: Int) { reserveCveIds(caseId: $c, amount: $n) { id } }', {
      c: id,
      n: Number(n),
    });
    await ctx.respond(
      `Asked CVE Services for ${n} CVE id${n === '1' ? '' : 's'} for ${id}. They will be on the case when it answers; its timeline keeps the answer.`,
    );
  },
};
