// Benchmark: publishing an advisory to N mailing-list subscribers (default
// 10,000). Times the publishAdvisory request, which queues one mail per
// subscriber in its transaction, beside the same request with no subscribers
// (the baseline, same run); then the outbox worker delivering every mail to a
// local SMTP server (smtp-server, in this process).
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { buildApp, createLogger, drainOutbox, smtpTransport } from '@psirt/api';
import { applyMigrations, type Db, issueUserToken } from '@psirt/db';
import { SMTPServer } from 'smtp-server';
import { benchTargets, type Target } from '../support/bench-targets.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    subscribers: { type: 'string', default: '10000' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- publish [--subscribers n] [--only pglite|postgres]

Publishes an advisory to n confirmed subscribers through the API and prints the
time to queue the mails (beside publishing to none), then the time for the
outbox worker to deliver them all to a local SMTP server.
PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres.
`);
  process.exit(0);
}
const n = Number(opts.subscribers);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** A local SMTP server that accepts and counts. */
async function smtp() {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    // No reverse DNS of the client: on a closed network every lookup waits for its timeout.
    disableReverseLookup: true,
    logger: false,
    onData(stream, _s, cb) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received += 1;
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    received: () => received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A case ready for disclosure, with a product fixed: the policy allows publishing. */
async function readyCase(db: Db, analystId: string, i: number) {
  const line = await db.productLine.upsert({
    where: { key: 'bench' },
    create: { key: 'bench', name: 'Bench line' },
    update: {},
  });
  const product = await db.product.upsert({
    where: { key: 'bench-product' },
    create: { key: 'bench-product', name: 'Bench product', productLineId: line.id },
    update: {},
  });
  const kase = await db.analysisCase.create({
    data: {
      publicId: `VAR-2026-9${String(i).padStart(3, '0')}`,
      title: `Bench case ${i}`,
      state: 'DISCLOSURE',
      createdById: analystId,
      impacts: { create: [{ productId: product.id, status: 'AFFECTED', fixedVersion: '2.0' }] },
      mitigations: {
        create: [{ productId: product.id, kind: 'FIX', description: 'Update to 2.0.', fixVersion: '2.0' }],
      },
    },
  });
  return kase.publicId;
}

async function gql(url: string, token: string, query: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: Record<string, { publicId?: string }>; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data ?? {};
}

/** Drafts, reviews, approves (committee of one) and publishes; returns the publish request's time in ms. */
async function publishOne(url: string, analyst: string, committee: string, caseId: string) {
  const created = await gql(
    url,
    analyst,
    `mutation { createAdvisory(cases: ["${caseId}"], title: "Bench advisory") { publicId } }`,
  );
  const a = created.createAdvisory?.publicId as string;
  await gql(
    url,
    analyst,
    `mutation { requestAdvisoryReview(advisoryId: "${a}", changelog: "Initial release") { id } }`,
  );
  await gql(url, committee, `mutation { castAdvisoryVote(advisoryId: "${a}", decision: APPROVE) { id } }`);
  const started = performance.now();
  await gql(url, analyst, `mutation { publishAdvisory(advisoryId: "${a}") { state } }`);
  return performance.now() - started;
}

const targets = benchTargets(opts.only);

const rows: string[] = [];
for (const target of targets) {
  let opened: Awaited<ReturnType<Target['open']>>;
  try {
    opened = await target.open();
  } catch (error) {
    rows.push(`${target.name.padEnd(11)} skipped: ${(error as Error).message}`);
    continue;
  }
  const { db, drop } = opened;
  const mail = await smtp();
  try {
    log(`${target.name}: migrating…`);
    await applyMigrations(db.adapter);
    const prisma = db.prisma;
    const [analyst, member] = await Promise.all([
      prisma.user.create({ data: { email: 'a@bench.example', name: 'Analyst', roles: ['ANALYST'] } }),
      prisma.user.create({ data: { email: 'c@bench.example', name: 'Committee', roles: ['COMMITTEE_MEMBER'] } }),
    ]);
    await prisma.setting.create({ data: { key: 'committee', value: { quorum: 1, majority: 'SIMPLE' } } });
    const analystToken = (await issueUserToken(prisma, { userId: analyst.id, name: 'bench' })).secret;
    const committeeToken = (await issueUserToken(prisma, { userId: member.id, name: 'bench' })).secret;
    const app = buildApp({
      db,
      log: createLogger('silent'),
      graphiql: false,
      releaseIntervalMs: 0,
      mail: { quiet: true },
    });
    const url = await app.listen(0, '127.0.0.1');

    log(`${target.name}: publishing to no subscriber (baseline)…`);
    const baseline = await publishOne(url, analystToken, committeeToken, await readyCase(prisma, analyst.id, 1));
    log(`${target.name}: creating ${n} confirmed subscribers…`);
    for (let i = 0; i < n; i += 1000) {
      await prisma.mailingListSubscriber.createMany({
        data: Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
          email: `reader${i + k}@bench.example`,
          unsubscribeToken: randomBytes(12).toString('hex'),
          confirmedAt: new Date(),
        })),
      });
    }
    log(`${target.name}: publishing to ${n} subscribers…`);
    const enqueue = await publishOne(url, analystToken, committeeToken, await readyCase(prisma, analyst.id, 2));
    const queued = await prisma.outboxMessage.count({ where: { topic: 'mail.list.advisory', status: 'PENDING' } });
    if (queued !== n) throw new Error(`expected ${n} queued mails, found ${queued}`);

    log(`${target.name}: delivering ${n} mails to the local SMTP server…`);
    const transport = smtpTransport(mail.url);
    const started = performance.now();
    let last = 0;
    const progress = setInterval(() => {
      const got = mail.received();
      if (got !== last) log(`${target.name}:   ${got}/${n} delivered`);
      last = got;
    }, 5000);
    const result = await drainOutbox({
      db: prisma,
      transport,
      from: 'psirt@bench.example',
      now: () => new Date(),
      log: createLogger('silent'),
      batchSize: 100,
    });
    clearInterval(progress);
    const deliver = performance.now() - started;
    await app.stop();
    rows.push(
      `${target.name.padEnd(11)} ${(enqueue / 1000).toFixed(2).padStart(8)} s ${(baseline / 1000).toFixed(3).padStart(10)} s ${(enqueue / baseline).toFixed(0).padStart(7)}× ${(deliver / 1000).toFixed(1).padStart(10)} s ${Math.round(
        (result.sent / deliver) * 1000,
      )
        .toString()
        .padStart(9)}/s`,
    );
  } finally {
    await mail.close();
    await drop();
  }
}
process.stdout.write(
  `publish to ${n} subscribers (node ${process.version})\n` +
    `database     enqueue   no subscriber   ratio    deliver     mails\n${rows.join('\n')}\n`,
);
