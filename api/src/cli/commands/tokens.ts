// `psirt token create|revoke`: API tokens for staff users and integrations.
import { appendAudit, hashToken, issueUserToken } from '@psirt/db';
import { DomainError, isRole, isUuid, ROLES, type Role } from '@psirt/schema';
import { type Command, Option } from 'commander';
import type { CliRuntime } from '../runtime.ts';
import { parseEmail, parsePositiveInt } from './args.ts';

export function tokenCommands(program: Command, rt: CliRuntime) {
  const token = program.command('token').description('API tokens for staff users and integrations');

  token
    .command('create')
    .description('Issue an API token (shown once). Creates the user if the e-mail is new.')
    .addOption(
      new Option('-r, --role <role...>', 'role(s) the user must hold (added when missing)').choices(
        ROLES as unknown as string[],
      ),
    )
    .option('-e, --email <email>', 'the user (default: <role>@psirt.local)', parseEmail)
    .option('--name <name>', "the user's display name, for a new user")
    .option('--label <label>', 'what the token is for', 'cli')
    .option('--expires-in-days <days>', 'expiry (default: never)', parsePositiveInt)
    .action((opts: { role?: string[]; email?: string; name?: string; label: string; expiresInDays?: number }) => {
      const roles = (opts.role ?? []).filter(isRole) as Role[];
      if (!opts.email && roles.length === 0) throw new DomainError('VALIDATION', 'give --role, --email, or both');
      const email = opts.email ?? `${roles[0]?.toLowerCase().replace(/_/g, '-')}@psirt.local`;
      return rt.withDatabase(async ({ prisma }) => {
        const existing = await prisma.user.findUnique({ where: { email } });
        if (!existing && roles.length === 0)
          throw new DomainError('NOT_FOUND', `no user ${email}; give --role to create one`);
        const expiresAt = opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * 86_400_000) : null;
        // One transaction: a user is never left without the token that was asked for.
        const { user, issued } = await prisma.$transaction(async (tx) => {
          const user = existing
            ? await tx.user.update({
                where: { id: existing.id },
                data: { roles: [...new Set([...(existing.roles as Role[]), ...roles])] },
              })
            : await tx.user.create({ data: { email, name: opts.name ?? email, roles } });
          const issued = await issueUserToken(tx, { userId: user.id, name: opts.label, expiresAt });
          return { user, issued };
        });
        rt.out(`${existing ? 'user' : 'created user'} ${user.email} (${(user.roles as string[]).join(', ')})`);
        rt.out(`token (shown once; send as "Authorization: Bearer <token>"):`);
        rt.out(issued.secret);
        if (expiresAt) rt.out(`expires ${expiresAt.toISOString()}`);
      });
    });

  token
    .command('revoke')
    .description(
      'Revoke API tokens now: requests with them are refused, and live subscriptions using them are closed at their next event.',
    )
    .argument('[token]', 'the token itself (psirt_…) or its id')
    .option('-e, --email <email>', 'revoke every token of this user instead', parseEmail)
    .action((secretOrId: string | undefined, opts: { email?: string }) => {
      if (!secretOrId === !opts.email) throw new DomainError('VALIDATION', 'give a token (or its id), or --email');
      return rt.withDatabase(async ({ prisma }) => {
        const where = opts.email
          ? { user: { email: opts.email } }
          : isUuid(secretOrId ?? '')
            ? { id: secretOrId }
            : { tokenHash: hashToken(secretOrId ?? '') };
        const tokens = await prisma.apiToken.findMany({
          where: { ...where, revokedAt: null },
          select: { id: true, prefix: true, user: { select: { email: true } } },
        });
        if (!tokens.length) throw new DomainError('NOT_FOUND', 'no unrevoked token matches');
        const now = new Date();
        await prisma.$transaction(async (tx) => {
          await tx.apiToken.updateMany({ where: { id: { in: tokens.map((t) => t.id) } }, data: { revokedAt: now } });
          await appendAudit(
            tx,
            tokens.map((t) => ({
              actorKind: 'SYSTEM' as const,
              actorId: null,
              action: 'token.revoked',
              subjectType: 'ApiToken',
              subjectId: t.id,
              data: { via: 'cli' },
            })),
            now,
          );
        });
        for (const t of tokens) rt.out(`revoked ${t.prefix}… (${t.user?.email ?? 'a reporter token'})`);
      });
    });
}
