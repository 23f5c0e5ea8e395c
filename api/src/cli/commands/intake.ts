// `psirt intake mail|list|reprocess`: mail piped in by a mail server, and the quarantine.
import type { Database } from '@psirt/db';
import { DomainError, isUuid } from '@psirt/schema';
import type { Command } from 'commander';
import { type ApiConfig, keyPolicy } from '../../config.ts';
import type { IntakeDeps, IntakeResult } from '../../intake/mail.ts';
import { createLogger } from '../../logger.ts';
import { type CliRuntime, isForwarded, readCallerFile } from '../runtime.ts';

/** sysexits' EX_TEMPFAIL: a mail server keeps the mail and tries again later. */
export const EX_TEMPFAIL = 75;

export function intakeCommands(program: Command, rt: CliRuntime) {
  const intake = program.command('intake').description('Mail intake: piped mail, the quarantine');

  intake
    .command('mail')
    .description(
      'Take one mail (RFC 5322, e.g. piped by your mail server: `| psirt intake mail`) into the PSIRT: a VSR, a reply on one, or the quarantine. Exits 75 (try again later) when it could not be stored.',
    )
    .option('-f, --file <file>', 'read the mail from this file instead of standard input')
    .action(async (opts: { file?: string }) => {
      const raw = opts.file ? await readCallerFile(rt, opts.file) : await rt.readStdin();
      if (raw.length === 0) throw new DomainError('VALIDATION', 'no mail on standard input (pipe one in, or --file)');
      try {
        await rt.withDatabase(async (database, config) => {
          const { receiveMail } = await import('../../intake/mail.ts');
          const r = await receiveMail(intakeDeps(database, config), raw, 'CLI');
          rt.out(describeIntake(r));
        });
      } catch (error) {
        if (isForwarded(error)) throw error;
        // A mail server retries on EX_TEMPFAIL: nothing is lost while the database is away.
        rt.err(`psirt: the mail was not stored: ${(error as Error).message}\n`);
        rt.setExitCode(EX_TEMPFAIL);
      }
    });

  intake
    .command('list')
    .description('List received mail: by default the quarantine, with each reason.')
    .option('--status <status>', 'QUARANTINED, DISMISSED, IGNORED, RECEIVED or PROCESSED', 'QUARANTINED')
    .action((opts: { status: string }) => {
      const status = opts.status.toUpperCase();
      if (!['QUARANTINED', 'DISMISSED', 'IGNORED', 'RECEIVED', 'PROCESSED'].includes(status)) {
        throw new DomainError('VALIDATION', `--status: one of QUARANTINED, DISMISSED, IGNORED, RECEIVED, PROCESSED`);
      }
      return rt.withDatabase(async ({ prisma }) => {
        const mails = await prisma.inboundMail.findMany({
          where: { status: status as 'QUARANTINED' },
          orderBy: { receivedAt: 'desc' },
          take: 200,
          select: { id: true, receivedAt: true, sender: true, subject: true, reason: true, detail: true },
        });
        for (const m of mails) {
          rt.out(
            `${m.id}  ${m.receivedAt.toISOString()}  ${m.sender ?? '(no sender)'}  ${JSON.stringify(m.subject ?? '')}`,
          );
          if (m.reason) rt.out(`    ${m.reason}: ${m.detail ?? ''}`);
        }
        rt.out(`${mails.length} mail(s) ${status.toLowerCase()}${mails.length === 200 ? ' (the newest 200)' : ''}`);
      });
    });

  intake
    .command('reprocess')
    .description(
      'Run quarantined mail through intake again (after importing the key it was encrypted to, raising PSIRT_MAIL_MAX_BYTES…).',
    )
    .argument('[id]', 'one mail (as listed); without it, --all')
    .option('--all', 'every quarantined mail, and mail left half-processed by a stopped instance')
    .action((id: string | undefined, opts: { all?: boolean }) => {
      if (!id && !opts.all) throw new DomainError('VALIDATION', 'give a mail id, or --all');
      if (id && !isUuid(id)) throw new DomainError('VALIDATION', `not a mail id: ${id}`);
      return rt.withDatabase(async (database, config) => {
        const { prisma } = database;
        const deps = intakeDeps(database, config);
        // Mail a stopped instance left half-processed counts too (a running API takes it up within minutes).
        const stale = new Date(Date.now() - 10 * 60_000);
        const ids = id
          ? [id]
          : (
              await prisma.inboundMail.findMany({
                where: { OR: [{ status: 'QUARANTINED' }, { status: 'RECEIVED', receivedAt: { lt: stale } }] },
                orderBy: { receivedAt: 'asc' },
                select: { id: true },
              })
            ).map((m) => m.id);
        const { processMail } = await import('../../intake/mail.ts');
        let done = 0;
        for (const mailId of ids) {
          const r = await processMail(deps, mailId);
          done += 1;
          rt.out(`${mailId}: ${describeIntake(r)}${ids.length > 1 ? `  (${done}/${ids.length})` : ''}`);
        }
        if (ids.length === 0) rt.out('nothing to re-process');
      });
    });
}

function intakeDeps({ prisma, adapter }: Database, config: ApiConfig): IntakeDeps {
  return {
    db: prisma,
    driver: adapter,
    now: () => new Date(),
    requestId: 'cli',
    passphrase: keyPolicy(config).passphrase,
    maxBytes: config.intake.maxBytes,
    publisherNamespace: config.publisher.namespace,
    log: createLogger('warn'),
  };
}

function describeIntake(r: IntakeResult): string {
  switch (r.outcome) {
    case 'REPORT':
      return `new report ${r.publicId}`;
    case 'MESSAGE':
      return `reply added to ${r.publicId}`;
    case 'QUARANTINED':
      return `quarantined (${r.reason}); see psirt intake list`;
    case 'DUPLICATE':
      return `already received${r.publicId ? ` (${r.publicId})` : ''}: ${r.status.toLowerCase()}`;
    case 'IGNORED':
      return `ignored: ${r.why}; no report, no answer`;
  }
}
