// One API instance in its own process, for `npm run bench -- subscriptions`:
// the server's memory and event loop are then its own, not the load generator's.
// Configured by the BENCH_SERVER environment variable (JSON); talks over IPC.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { buildApp, createLogger, generatePsirtKey } from '@psirt/api';
import { applyMigrations, type DatabaseConfig, issueUserToken, openDatabase } from '@psirt/db';

interface Config {
  database: DatabaseConfig;
  /** Migrate and create the bench's analyst, product and case. */
  seed: boolean;
  /** That many more cases, with reports from (some confidential) reporters, impacts, scores and teams. */
  dashboardCases?: number;
  /** Each client's share of the instance (server/budget.ts), when not the defaults. */
  clientBudget?: { perClient?: number; total?: number; cheap?: number };
  /** Anonymous submissions (and link requests) per address per hour, when not the default. */
  submissionsPerHour?: number;
  redisUrl?: string;
  channelPrefix?: string;
  /** Mail intake over SMTP, with a PSIRT key (for `npm run bench -- mail-abuse`). */
  intake?: { maxBytes: number; recipient: string; connectionsPerMinute?: number; mailsPerHour?: number };
}

const config = JSON.parse(process.env.BENCH_SERVER ?? '{}') as Config;
const send = (m: unknown) => process.send?.(m);

const db = await openDatabase(config.database);
let seeded: { token: string; caseId: string } | undefined;
if (config.seed) {
  await applyMigrations(db.adapter);
  const analyst = await db.prisma.user.create({
    data: { email: 'analyst@bench.example', name: 'Bench Analyst', roles: ['ANALYST'] },
  });
  const { secret } = await issueUserToken(db.prisma, { userId: analyst.id, name: 'bench' });
  const kase = await db.prisma.analysisCase.create({
    data: { publicId: 'VAR-2026-0001', title: 'Bench case', state: 'ANALYSIS', createdById: analyst.id },
  });
  seeded = { token: secret, caseId: kase.publicId };
  if (config.dashboardCases) {
    const { seedDashboard } = await import('./dashboard.ts');
    await seedDashboard(db.prisma, config.dashboardCases);
  }
}

const passphrase = 'bench passphrase for the stored keys';
const psirtKey = config.intake
  ? await generatePsirtKey(db.prisma, {
      passphrase,
      name: 'Bench PSIRT',
      email: config.intake.recipient,
      overlapDays: 1,
    })
  : undefined;
const app = buildApp({
  db,
  log: createLogger('warn'),
  graphiql: false,
  releaseIntervalMs: 0,
  mail: { quiet: true },
  ...(config.clientBudget ? { clientBudget: config.clientBudget } : {}),
  ...(config.submissionsPerHour ? { submissionsPerHour: config.submissionsPerHour } : {}),
  ...(config.intake
    ? {
        keys: { passphrase },
        intake: {
          smtpPort: 0,
          recipients: [config.intake.recipient],
          maxBytes: config.intake.maxBytes,
          connectionsPerMinute: config.intake.connectionsPerMinute,
          mailsPerHour: config.intake.mailsPerHour,
        },
      }
    : {}),
  // The bench's clients read as fast as they can; the default limits stand.
  live: { redisUrl: config.redisUrl, channelPrefix: config.channelPrefix },
});
const url = await app.listen(0, '127.0.0.1');
// BENCH_PROFILE=<file>: a CPU profile of the measured updates only (not of connecting).
let profiler: Session | undefined;
// The highest resident memory seen, sampled every 50 ms.
let peakRss = process.memoryUsage.rss();
setInterval(() => {
  // rss() alone: memoryUsage() also walks the heap, work the measured server would not do.
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50).unref();
send({ ready: { url, ...seeded, smtpPort: app.smtpPort(), psirtKey: psirtKey?.armored } });

process.on('message', async (m: unknown) => {
  if (m === 'stats') {
    send({
      stats: {
        rss: process.memoryUsage().rss,
        peakRss,
        heap: process.memoryUsage().heapUsed,
        listeners: app.live.listeners(),
        sockets: app.webSocketCount(),
      },
    });
  } else if (m === 'reset-peak') {
    peakRss = process.memoryUsage.rss();
    send({ reset: true });
  } else if (m === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    send({ gc: true });
  } else if (m === 'profile-start' && process.env.BENCH_PROFILE) {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  } else if (m === 'profile-stop' && profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(process.env.BENCH_PROFILE as string, JSON.stringify(profile));
    profiler.disconnect();
    profiler = undefined;
  } else if (m === 'stop') {
    await app.stop();
    await db.close();
    process.exit(0);
  }
});
