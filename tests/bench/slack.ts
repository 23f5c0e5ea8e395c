// Benchmark: how fast the Slack bot acknowledges. Sends rounds of N concurrent
// (default 50) signed `/psirt case VAR-…` slash commands to /slack/events and
// measures request → HTTP 200 (the ack; the command's work happens after it,
// its answer going to a local fake response_url). Beside it, the same
// concurrency on GET /healthz of the same server (baseline, same run).
// Slack gives an app 3 s to acknowledge.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { buildApp, createLogger } from '@psirt/api';
import { applyMigrations, issueUserToken, openDatabase } from '@psirt/db';

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
API process, on in-memory PGlite) and prints the time to acknowledge (p50, p99,
max), beside GET /healthz at the same concurrency.
`);
  process.exit(0);
}
const concurrency = Number(opts.concurrency);
const rounds = Number(opts.rounds);
const SECRET = 'bench-signing-secret-0123456789';

// A fake Slack: the Web API and response_url both answer ok and count.
let answers = 0;
const fake = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url?.startsWith('/response/')) answers += 1;
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
});
await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;

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

function command(i: number) {
  const body = new URLSearchParams({
    team_id: 'T0001',
    channel_id: 'C0001',
    user_id: 'UBENCH001',
    command: '/psirt',
    text: `case ${kase.publicId}`,
    response_url: `${fakeUrl}/response/${i}`,
    trigger_id: `t.${i}`,
  }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return fetch(`${origin}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signature,
    },
    body,
  });
}

// Across rounds and phases: a trigger_id seen before is a Slack retry, acknowledged and not run.
let sent = 0;
async function measure(send: (i: number) => Promise<Response>) {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const i = sent++;
        const t0 = performance.now();
        const res = await send(i);
        await res.arrayBuffer();
        times.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      }),
    );
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? Number.NaN;
  return { p50: at(50), p99: at(99), max: times.at(-1) ?? Number.NaN };
}

try {
  const answered = async (n: number) => {
    const deadline = Date.now() + 120_000;
    while (answers < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };
  await measure(command); // warm-up: JIT, the bot's first API calls
  // The baseline on a quiet server: the warm-up's work (after its acks) done first.
  await answered(rounds * concurrency);
  const health = await measure(() => fetch(`${origin}/healthz`));
  const t0 = performance.now();
  const acks = await measure(command);
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
  fake.close();
}
