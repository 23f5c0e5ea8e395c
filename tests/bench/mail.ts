// Benchmark: mail intake of ~20 KB PGP/MIME reports — decrypt with the PSIRT
// key, verify the reporter's signature, store the VSR with its attachment and
// queue the encrypted acknowledgement — per second, beside the same reports
// sent in the clear (the baseline, same run, same pipeline). The messages are
// made beforehand with openpgp.js (GnuPG is the peer in the tests; here the
// cost of making them is not what is measured).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createLogger, generatePsirtKey, receiveMail } from '@psirt/api';
import { applyMigrations } from '@psirt/db';
import * as openpgp from 'openpgp';
import { benchTargets, type Target } from '../support/bench-targets.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    messages: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '4' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- mail [--messages n] [--concurrency c] [--only pglite|postgres]

Takes n ~20 KB reports through mail intake, one at a time and then c at a
time: in the clear (baseline), then as PGP/MIME signed and encrypted to the
PSIRT key by a reporter whose key the PSIRT knows. Prints messages/s and the
ratio of the encrypted to the clear. Each becomes a VSR with its attachment and
a queued, encrypted acknowledgement.
PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres.
`);
  process.exit(0);
}
const n = Number(opts.messages);
const concurrency = Number(opts.concurrency);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const CRLF = '\r\n';
const passphrase = 'bench passphrase for the stored keys';
const reporterEmail = 'bench-reporter@research.example.org';

/** The report as a MIME entity: ~10 KB of text and a ~4 KB attachment (base64); ~20 KB once encrypted and armoured. */
function entity(i: number, subject: string) {
  const text = `Report ${i}: ${'The diagnostic endpoint passes the host field to a shell without quoting. '.repeat(130)}`;
  const attachment = randomBytes(3000)
    .toString('base64')
    .replace(/.{1,76}/g, (m) => `${m}${CRLF}`);
  return [
    'Content-Type: multipart/mixed; boundary="inner"; protected-headers="v1"',
    `Subject: ${subject}`,
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '--inner',
    'Content-Type: application/octet-stream; name="poc.bin"',
    'Content-Disposition: attachment; filename="poc.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    attachment,
    '--inner--',
    '',
  ].join(CRLF);
}

const head = (i: number, kind: string, subject: string) =>
  [
    `From: Bench Reporter <${reporterEmail}>`,
    'To: psirt@example.com',
    `Subject: ${subject}`,
    `Message-ID: <${kind}-${i}-${randomBytes(6).toString('hex')}@bench.example.org>`,
    'MIME-Version: 1.0',
  ].join(CRLF);

function clearMail(i: number) {
  return Buffer.from(`${head(i, 'clear', `Clear report ${i}`)}${CRLF}${entity(i, `Clear report ${i}`)}`);
}

async function encryptedMail(i: number, psirtKey: openpgp.PublicKey, reporterKey: openpgp.PrivateKey) {
  const armored = await openpgp.encrypt({
    message: await openpgp.createMessage({ text: entity(i, `Encrypted report ${i}`) }),
    encryptionKeys: psirtKey,
    signingKeys: reporterKey,
  });
  return Buffer.from(
    [
      head(i, 'pgp', '...'),
      'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="outer"',
      '',
      '--outer',
      'Content-Type: application/pgp-encrypted',
      '',
      'Version: 1',
      '--outer',
      'Content-Type: application/octet-stream; name="encrypted.asc"',
      '',
      armored,
      '--outer--',
      '',
    ].join(CRLF),
  );
}

const rows: string[] = [];
for (const target of benchTargets(opts.only)) {
  let opened: Awaited<ReturnType<Target['open']>>;
  try {
    opened = await target.open();
  } catch (error) {
    rows.push(`${target.name.padEnd(11)} skipped: ${(error as Error).message}`);
    continue;
  }
  const { db, drop } = opened;
  try {
    log(`${target.name}: migrating, making keys…`);
    await applyMigrations(db.adapter);
    const psirt = await generatePsirtKey(db.prisma, {
      passphrase,
      name: 'Bench PSIRT',
      email: 'psirt@example.com',
      overlapDays: 30,
    });
    const reporter = await openpgp.generateKey({
      userIDs: [{ name: 'Bench Reporter', email: reporterEmail }],
      format: 'object',
    });
    await db.prisma.reporter.create({
      data: {
        kind: 'RESEARCHER',
        email: reporterEmail,
        pgpPublicKey: reporter.publicKey.armor(),
        pgpFingerprint: reporter.publicKey.getFingerprint().toUpperCase(),
      },
    });
    const psirtKey = await openpgp.readKey({ armoredKey: psirt.armored });
    log(`${target.name}: making ${4 * n} messages…`);
    const clear = [
      Array.from({ length: n }, (_, i) => clearMail(i)),
      Array.from({ length: n }, (_, i) => clearMail(n + i)),
    ];
    const encrypted: Buffer[][] = [[], []];
    for (let i = 0; i < 2 * n; i++)
      encrypted[i < n ? 0 : 1]?.push(await encryptedMail(i, psirtKey, reporter.privateKey));
    const size = Math.round((encrypted[0]?.reduce((s, m) => s + m.length, 0) ?? 0) / n / 1024);
    const deps = {
      db: db.prisma,
      now: () => new Date(),
      requestId: 'bench',
      passphrase,
      maxBytes: 10 * 1024 * 1024,
      publisherNamespace: 'https://psirt.example.com',
      log: createLogger('warn'),
    };
    // Warm-up: the key unlock, the JIT.
    await receiveMail(deps, await encryptedMail(-1, psirtKey, reporter.privateKey), 'CLI');
    await receiveMail(deps, clearMail(-1), 'CLI');

    const run = async (mails: Buffer[], parallel: number, expectSignature: string | null) => {
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < mails.length) {
            const mail = mails[next++] as Buffer;
            const r = await receiveMail(deps, mail, 'CLI');
            if (r.outcome !== 'REPORT') throw new Error(`expected a report, got ${JSON.stringify(r)}`);
          }
        }),
      );
      const s = (performance.now() - t0) / 1000;
      if (expectSignature) {
        const verified = await db.prisma.vulnerabilityReport.count({ where: { signatureStatus: expectSignature } });
        if (verified < mails.length) throw new Error(`only ${verified} reports with a ${expectSignature} signature`);
      }
      return mails.length / s;
    };
    for (const [label, parallel, index] of [
      ['one at a time', 1, 0],
      [`${concurrency} at a time`, concurrency, 1],
    ] as const) {
      log(`${target.name}: ${label}: ${n} clear…`);
      const base = await run(clear[index] as Buffer[], parallel, null);
      log(`${target.name}: ${label}: ${n} PGP/MIME (~${size} KB)…`);
      const pgp = await run(encrypted[index] as Buffer[], parallel, 'VALID');
      rows.push(
        `${target.name.padEnd(11)} ${label.padEnd(14)} clear ${base.toFixed(1).padStart(6)}/s   PGP/MIME decrypt+verify+store ${pgp.toFixed(1).padStart(6)}/s   ratio ${(pgp / base).toFixed(2)}`,
      );
    }
    const acks = await db.prisma.outboxMessage.count({ where: { topic: 'mail.reporter' } });
    log(`${target.name}: ${acks} acknowledgements queued`);
  } finally {
    await drop();
    await db.close().catch(() => {});
  }
}
process.stdout.write(`\nmail intake, ${n} reports per run (~20 KB each when encrypted)\n${rows.join('\n')}\n`);
process.exit(0);
