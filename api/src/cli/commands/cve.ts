// `psirt cve record|reserve|publish|reject|quota`: the PSIRT as a CNA at the
// command line. Reservations, publications and rejections are queued like
// the API's (the server's worker sends them to CVE Services); the record and
// the quota are read at once.
import { DomainError } from '@psirt/schema';
import type { Command } from 'commander';
import { cveServicesClient } from '../../cve/client.ts';
import { cnaSettings } from '../../cve/record.ts';
import type { CliRuntime } from '../runtime.ts';
import { parsePositiveInt } from './args.ts';

export function cveCommands(program: Command, rt: CliRuntime) {
  const cve = program
    .command('cve')
    .description(
      'The PSIRT as a CVE Numbering Authority: CVE JSON 5 records, and CVE Services (PSIRT_CVE_ORG, PSIRT_CVE_ORG_ID, PSIRT_CVE_USER, PSIRT_CVE_API_KEY, PSIRT_CVE_API_URL)',
    );

  cve
    .command('record')
    .description(
      "Print a CVE id's record in CVE JSON 5.0, built from the advisory that discloses its case (a preview before it is published).",
    )
    .argument('<cve-id>', 'e.g. CVE-2026-12345')
    .option('--container', 'only the CNA container (what is sent to CVE Services)')
    .action((cveId: string, opts: { container?: boolean }) =>
      rt.withDatabase(async ({ prisma }, config) => {
        const { buildCveRecord } = await import('../../cve/record.ts');
        const built = await buildCveRecord(
          prisma,
          cveId.trim().toUpperCase(),
          cnaSettings(config.cve, config.publisher),
          new Date(),
        );
        rt.out(JSON.stringify(opts.container ? built.cnaContainer : built.record, null, 2));
        for (const b of built.blockers) rt.err(`note: ${b}\n`);
      }),
    );

  type Database = Parameters<Parameters<CliRuntime['withDatabase']>[0]>;
  const operatorContext = (prisma: Database[0]['prisma'], config: Database[1]) => ({
    db: prisma,
    now: () => new Date(),
    requestId: 'cli',
    cna: cnaSettings(config.cve, config.publisher),
  });

  cve
    .command('reserve')
    .description(
      'Reserve CVE ids for a case from CVE Services (queued: the server sends it and records the ids on the case).',
    )
    .argument('<case>', 'the case, e.g. VAR-2026-0001')
    .option('-n, --amount <n>', 'how many ids (1 to 10)', parsePositiveInt, 1)
    .action((caseRef: string, opts: { amount: number }) =>
      rt.withDatabase(async ({ prisma }, config) => {
        const { operator } = await import('../../cve/commands.ts');
        const publicId = await operator.reserve(operatorContext(prisma, config), caseRef, opts.amount);
        rt.out(
          `queued: reserve ${opts.amount} CVE id(s) for ${publicId}; the case's timeline shows CVE Services' answer`,
        );
      }),
    );

  cve
    .command('publish')
    .description(
      "Send a CVE id's record to CVE Services now (published, or updated): its advisory must be published and public. Releasing an advisory does this by itself.",
    )
    .argument('<cve-id>', 'e.g. CVE-2026-12345')
    .action((cveId: string) =>
      rt.withDatabase(async ({ prisma }, config) => {
        const { operator } = await import('../../cve/commands.ts');
        await operator.publish(operatorContext(prisma, config), cveId);
        rt.out(`queued: publish ${cveId.toUpperCase()}; the case's timeline shows CVE Services' answer`);
      }),
    );

  cve
    .command('reject')
    .description('Reject a CVE id of this CNA: recorded on its case at once, sent to CVE Services by the server.')
    .argument('<cve-id>', 'e.g. CVE-2026-12345')
    .requiredOption('-r, --reason <text>', 'why (at least 10 characters): it is public')
    .option('--replaced-by <cve-id...>', 'the id(s) that replace it')
    .action((cveId: string, opts: { reason: string; replacedBy?: string[] }) =>
      rt.withDatabase(async ({ prisma }, config) => {
        const { operator } = await import('../../cve/commands.ts');
        await operator.reject(operatorContext(prisma, config), {
          cveId,
          reason: opts.reason,
          replacedBy: opts.replacedBy ?? [],
        });
        rt.out(`${cveId.toUpperCase()} rejected; queued for CVE Services`);
      }),
    );

  cve
    .command('quota')
    .description("Ask CVE Services for the CNA's id quota.")
    .action(() =>
      rt.withDatabase(async (_db, config) => {
        const c = config.cve;
        if (!(c.org && c.user && c.apiKey)) {
          throw new DomainError(
            'CONFLICT',
            'CVE Services is not configured: set PSIRT_CVE_ORG, PSIRT_CVE_USER and PSIRT_CVE_API_KEY.',
          );
        }
        const q = await cveServicesClient({ url: c.apiUrl, org: c.org, user: c.user, apiKey: c.apiKey })
          .quota()
          .catch((error: Error) => {
            throw new DomainError('UNAVAILABLE', error.message);
          });
        rt.out(
          `quota ${q.id_quota ?? '?'}, reserved ${q.total_reserved ?? '?'}, available ${q.available ?? '?'} (${c.apiUrl})`,
        );
      }),
    );
}
