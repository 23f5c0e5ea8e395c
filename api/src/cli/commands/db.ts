// `psirt db migrate|status|diff`: the database schema.
import { applyMigrations, createMigration, describeDatabase, migrationStatus, pendingSchemaChange } from '@psirt/db';
import type { Command } from 'commander';
import type { CliRuntime } from '../runtime.ts';

export function dbCommands(program: Command, rt: CliRuntime, { local }: { local: boolean }) {
  const db = program.command('db').description('Database schema: migrations and their status');

  db.command('migrate')
    .description('Apply pending migrations to the configured database (also done by start)')
    .action(() =>
      rt.withDatabase(async (database, config) => {
        rt.out(`database: ${describeDatabase(config.database)}`);
        const applied = await applyMigrations(database.adapter);
        rt.out(applied.length ? `applied ${applied.length}: ${applied.join(', ')}` : 'already up to date');
      }),
    );

  db.command('status')
    .description('Show applied, pending, failed and edited migrations; exit 1 unless up to date')
    .option(
      '--schema',
      'also check that prisma/schema.prisma has no changes without a migration (for developers; slower: it builds a scratch database)',
    )
    .action((opts: { schema?: boolean }) =>
      rt.withDatabase(async (database, config) => {
        const s = await migrationStatus(database.adapter);
        rt.out(`database: ${describeDatabase(config.database)}`);
        for (const m of s.migrations) {
          const state = s.failed.includes(m)
            ? 'FAILED'
            : s.edited.includes(m)
              ? 'edited since applied'
              : s.pending.includes(m)
                ? 'pending'
                : 'applied';
          rt.out(`  ${m}  ${state}`);
        }
        for (const m of s.unknown) rt.out(`  ${m}  applied, but not in prisma/migrations (newer code?)`);
        const drift = opts.schema ? await pendingSchemaChange() : null;
        if (drift) rt.out('schema.prisma has changes with no migration: run `npm run db:diff -- --name <name>`');
        rt.out(s.upToDate ? 'up to date' : 'NOT up to date: run `npm run db:migrate`');
        if (!s.upToDate || drift) rt.setExitCode(1);
      }),
    );

  // A developer's tool on the checkout (a scratch database), not on the data: never run remotely.
  if (!local) return;
  db.command('diff')
    .description('Write a new migration from the changes in prisma/schema.prisma')
    .requiredOption('-n, --name <name>', 'what the migration does, in snake_case (e.g. add_case_priority)')
    .action(async (opts: { name: string }) => {
      const dir = await createMigration(opts.name);
      rt.out(
        dir
          ? `wrote ${dir}/migration.sql — review it, then commit it with schema.prisma`
          : 'no changes: schema.prisma and the migrations agree',
      );
    });
}
