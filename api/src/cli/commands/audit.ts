// `psirt audit verify`: the tamper-evident audit log.
import { verifyAuditChain } from '@psirt/db';
import type { Command } from 'commander';
import type { CliRuntime } from '../runtime.ts';
import { parseHead } from './args.ts';

export function auditCommands(program: Command, rt: CliRuntime) {
  const audit = program.command('audit').description('The tamper-evident audit log');

  audit
    .command('verify')
    .description(
      'Recompute the hash chain; exit 1 if any entry was altered, inserted or deleted. Prints the head: keep it, and pass it with --expect-head next time to detect a deleted tail.',
    )
    .option(
      '--expect-head <seq:hash>',
      'a head printed by an earlier run, which must still be there unchanged',
      parseHead,
    )
    .action((opts: { expectHead?: { seq: string; hash: string } }) =>
      rt.withDatabase(async ({ prisma }) => {
        const progress = rt.isTTY ? (n: number) => rt.err(`\rchecked ${n} entries…`) : undefined;
        const result = await verifyAuditChain(prisma, { expectHead: opts.expectHead, onProgress: progress });
        if (progress) rt.err('\n');
        for (const p of result.problems.slice(0, 50)) rt.out(`TAMPERED: ${p}`);
        if (result.problems.length > 50) rt.out(`… and ${result.problems.length - 50} more`);
        rt.out(`${result.entries} entries; ${result.ok ? 'chain intact' : `${result.problems.length} problem(s)`}`);
        if (result.head) rt.out(`head: ${result.head.seq}:${result.head.hash}`);
        if (!result.ok) rt.setExitCode(1);
      }),
    );
}
