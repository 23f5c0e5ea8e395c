// Benchmark: how fast the Slack bot acknowledges. Sends rounds of N concurrent
// (default 50) signed `/psirt case VAR-…` slash commands to /slack/events and
// measures request → HTTP 200 (the ack; the command's work happens after it,
// its answer going to a fake response_url). Beside it, the same concurrency
// on GET /healthz of the same server (baseline, same run). The senders and
// the fake Slack run in their own process (tests/support/slack-senders.ts).
// Slack gives an app 3 s to acknowledge.
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { buildApp, createLogger } from '@psirt/api';
import { applyMigrations, issueUserToken, openDatabase } from '@psirt/db';
import { replyFrom } from '../support/bench-targets.ts';
import type { Latencies, Measure } from '../support/slack-senders.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '20' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- slack [--concurrency n] [--rounds k]

Sends k rounds of n concurrent signed /psirt slash commands to the bot (in the
API process, on in-memory PGlite; the senders in their own) and prints the time to acknowledge (p50, p99,
max), beside GET /healthz at the same concurrency.
`);
  process.exit(0);
}
const concurrency = Number(opts.concurrency);
const rounds = Number(opts.rounds);
const SECRET = 'bench-signing-secret-0123456789';

const senders = fork(new URL('../support/slack-senders.ts', import.meta.url), [], {
  execArgv: ['--import', import.meta.resolve('tsx/esm')],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
senders.once('exit', (code) => {
  if (code) {
    process.stderr.write(`bench: the senders' process exited (${code})\n`);
    process.exit(1);
  }
});
const reply = <T>(key: string) => replyFrom<T>(senders, key);
const fakeUrl = await reply<string>('slack');

const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
await applyMigrations(db.adapter);
const analyst = await db.prisma.user.create({
  data: { email: 'analyst@bench.example', name: 'Bench Analyst', roles: ['ANALYST'], slackUserId: 'UBENCH001' },
});
await issueUserToken(db.prisma, { userId: analyst.id, name: 'bench' });
const kase = await db.prisma.analysisCase.create({
  data: { publicId: 'VAR-2026-0001', title: 'Bench case', state: 'ANALYSIS', createdById: analyst.id },
});
const app = buildApp({
  db,
  log: createLogger('warn'),
  graphiql: false,
  releaseIntervalMs: 0,
  mail: { quiet: true },
  slack: { botToken: 'xoxb-bench', signingSecret: SECRET, slackApiUrl: `${fakeUrl}/api/` },
});
const origin = new URL(await app.listen(0, '127.0.0.1')).origin;

async function measure(kind: Measure['kind']): Promise<Latencies> {
  const m: Measure = { kind, origin, concurrency, rounds, secret: SECRET, caseId: kase.publicId };
  senders.send({ measure: m });
  return reply<Latencies>('latencies');
}
let answers = 0;
async function answered(n: number) {
  senders.send({ answered: n });
  answers = await reply<number>('answers');
}

try {
  await measure('command'); // warm-up: JIT, the bot's first API calls
  // The baseline on a quiet server: the warm-up's work (after its acks) done first.
  await answered(rounds * concurrency);
  const health = await measure('health');
  const t0 = performance.now();
  const acks = await measure('command');
  await answered(2 * rounds * concurrency);
  const workSeconds = (performance.now() - t0) / 1000;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  process.stdout.write(
    `\nslack: ${rounds} rounds of ${concurrency} concurrent requests (in-memory PGlite)\n` +
      `  GET /healthz (baseline)   p50 ${ms(health.p50)}   p99 ${ms(health.p99)}   max ${ms(health.max)}\n` +
      `  /psirt case → ack         p50 ${ms(acks.p50)}   p99 ${ms(acks.p99)}   max ${ms(acks.max)}\n` +
      `  p99 ratio ack / baseline: ${(acks.p99 / health.p99).toFixed(1)}×   (Slack's limit: 3,000 ms)\n` +
      `  answers delivered to response_url: ${answers} of ${2 * rounds * concurrency}` +
      ` (the measured ${rounds * concurrency} in ${workSeconds.toFixed(1)} s after the first was sent)\n`,
  );
} finally {
  await app.stop();
  await db.close();
  senders.send('stop');
}
