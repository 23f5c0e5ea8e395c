// `psirt slack link|unlink`: which Slack user acts as which staff user.
import { appendAudit } from '@psirt/db';
import { DomainError } from '@psirt/schema';
import type { Command } from 'commander';
import type { CliRuntime } from '../runtime.ts';
import { parseEmail, parseSlackUser } from './args.ts';

export function slackCommands(program: Command, rt: CliRuntime) {
  const slack = program.command('slack').description('Slack chat-ops: who is who');

  slack
    .command('link')
    .description('Link a Slack user to a staff user: the bot then acts as that user, with their roles.')
    .requiredOption('-e, --email <email>', 'the staff user', parseEmail)
    .requiredOption(
      '-s, --slack-user <id>',
      'the Slack user id (U…, from the profile’s "Copy member ID")',
      parseSlackUser,
    )
    .action((opts: { email: string; slackUser: string }) =>
      rt.withDatabase(async ({ prisma }) => {
        const { email } = opts;
        const user = await prisma.user.findUnique({ where: { email }, select: { id: true, slackUserId: true } });
        if (!user) throw new DomainError('NOT_FOUND', `no user ${email}`);
        const holder = await prisma.user.findUnique({
          where: { slackUserId: opts.slackUser },
          select: { email: true },
        });
        if (holder && holder.email !== email) {
          throw new DomainError('CONFLICT', `${opts.slackUser} is already linked to ${holder.email}; unlink it first`);
        }
        await prisma.$transaction(async (tx) => {
          await tx.user.update({ where: { id: user.id }, data: { slackUserId: opts.slackUser } });
          await appendAudit(
            tx,
            [
              {
                actorKind: 'SYSTEM',
                actorId: null,
                action: 'user.slack.linked',
                subjectType: 'User',
                subjectId: user.id,
                data: { slackUserId: opts.slackUser, previous: user.slackUserId, via: 'cli' },
              },
            ],
            new Date(),
          );
        });
        rt.out(`linked ${opts.slackUser} to ${email}`);
      }),
    );

  slack
    .command('unlink')
    .description('Remove the Slack link of a staff user: the bot no longer acts for that Slack user.')
    .requiredOption('-e, --email <email>', 'the staff user', parseEmail)
    .action((opts: { email: string }) =>
      rt.withDatabase(async ({ prisma }) => {
        const { email } = opts;
        const user = await prisma.user.findUnique({ where: { email }, select: { id: true, slackUserId: true } });
        if (!user?.slackUserId) throw new DomainError('NOT_FOUND', `${email} has no Slack link`);
        await prisma.$transaction(async (tx) => {
          await tx.user.update({ where: { id: user.id }, data: { slackUserId: null } });
          await appendAudit(
            tx,
            [
              {
                actorKind: 'SYSTEM',
                actorId: null,
                action: 'user.slack.unlinked',
                subjectType: 'User',
                subjectId: user.id,
                data: { slackUserId: user.slackUserId, via: 'cli' },
              },
            ],
            new Date(),
          );
        });
        rt.out(`unlinked ${user.slackUserId} from ${email}`);
      }),
    );
}
