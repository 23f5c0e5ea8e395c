// Benchmark: does hostile mail reach the API's other users? `{ __typename }`
// latency measured alone, then while mails built to exhaust the receiver
// arrive over SMTP — over the size limit (no SIZE declared), OpenPGP
// compression bombs encrypted to the PSIRT's key, MIME nested thousands deep —
// same run, same server (its own process, so its event loop and memory are its
// own). Prints both latencies, their ratio, the server's resident memory before
// and at its peak, and what became of the mails.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as openpgp from 'openpgp';
import { forkBenchServer, runInOwnProcess } from '../support/bench-targets.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    mails: { type: 'string', default: '20' },
    'max-mb': { type: 'string', default: '10' },
    'bomb-mb': { type: 'string', default: '1024' },
    only: { type: 'string', default: 'pglite' },
    'rate-limited': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- mail-abuse [--duration s] [--mails n] [--max-mb m] [--bomb-mb b] [--only pglite|postgres] [--rate-limited]

Measures { __typename } p50/p99 alone, then while n hostile mails arrive over
SMTP (a third each: over the m MiB limit with no SIZE declared; a compression
bomb of b MiB of zeros encrypted to the PSIRT key; MIME nested 20,000 deep),
sent again and again for the phase. The receiver's per-address rates are
lifted (as behind a relay, or for an attacker with many addresses) so that
every mail arrives; --rate-limited keeps the defaults. Prints both, the ratio (aim: within 3×),
the server's RSS before and at its peak, and the SMTP answers and outcomes.
PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres (a throwaway database).
`);
  process.exit(0);
}
const duration = Number(opts.duration) * 1000;
const mails = Number(opts.mails);
const maxBytes = Number(opts['max-mb']) * 1024 * 1024;
const RECIPIENT = 'psirt@bench.example';
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
interface Ready {
  url: string;
  smtpPort: number;
  psirtKey: string;
}

const head = (subject: string) =>
  [
    'From: Mallory <mallory@attacker.example>',
    `To: ${RECIPIENT}`,
    `Subject: ${subject}`,
    `Message-ID: <${randomUUID()}@attacker.example>`,
    'MIME-Version: 1.0',
  ].join('\r\n');

/** b MiB of zeros, compressed and encrypted to the PSIRT key: a few hundred KB. */
async function bomb(psirtKey: string): Promise<string> {
  const encryptionKeys = await openpgp.readKey({ armoredKey: psirtKey });
  let left = Number(opts['bomb-mb']);
  const zeros = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left-- <= 0) controller.close();
      else controller.enqueue(new Uint8Array(1024 * 1024));
    },
  });
  const stream = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: zeros }),
    encryptionKeys,
    config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
  });
  let armored = '';
  for await (const chunk of stream as unknown as AsyncIterable<string>) armored += chunk;
  return `${head('Compression bomb')}\r\nContent-Type: text/plain\r\n\r\n${armored}\r\n`;
}

function deepMime(depth: number): string {
  const open = Array.from(
    { length: depth },
    (_, i) => `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`,
  );
  const close = Array.from({ length: depth }, (_, i) => `\r\n--b${depth - 1 - i}--\r\n`);
  return `${head('Deep MIME')}\r\n${open.join('')}Content-Type: text/plain\r\n\r\ndeep${close.join('')}`;
}

async function probe(url: string, until: number) {
  const ms: number[] = [];
  while (Date.now() < until) {
    const t = performance.now();
    try {
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      }).then((r) => r.text());
    } catch {
      // A kept-alive connection the server closed meanwhile: counted at its time, as a client would wait.
    }
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? Number.NaN;
  return { n: ms.length, p50: at(0.5), p99: at(0.99) };
}

// PGlite in a directory, as `npm start` runs it: an in-memory one grows its files by copying them.
const bench = await forkBenchServer<Ready>(
  opts.only as string,
  {
    seed: true,
    intake: {
      maxBytes,
      recipient: RECIPIENT,
      ...(opts['rate-limited'] ? {} : { connectionsPerMinute: 1_000_000, mailsPerHour: 1_000_000 }),
    },
  },
  { onDisk: true },
);
const server = { child: bench.child, ...bench.ready };
server.child.on('exit', (code, signal) => log(`the server exited: ${code ?? signal}`));
try {
  log(`server on ${server.url}, SMTP ${server.smtpPort}; making the hostile mails…`);
  const oversized = `${head('Oversized')}\r\nContent-Type: text/plain\r\n\r\n${`${'x'.repeat(998)}\r\n`.repeat(Math.ceil((maxBytes * 1.5) / 1000))}`;
  const kinds = [
    { name: `over the ${opts['max-mb']} MiB limit`, raw: oversized },
    { name: `compression bomb (${opts['bomb-mb']} MiB of zeros)`, raw: await bomb(server.psirtKey) },
    { name: 'MIME nested 20,000 deep', raw: deepMime(20_000) },
  ];
  for (const k of kinds) log(`${k.name}: ${(k.raw.length / 1024).toFixed(0)} KiB`);
  await probe(server.url, Date.now() + 1000);
  log(`{ __typename } alone for ${duration / 1000} s…`);
  const alone = await probe(server.url, Date.now() + duration);
  const before = await bench.ask<{ rss: number }>('stats', 'stats');
  await bench.ask('reset-peak', 'reset');

  log(`{ __typename } while ${mails} hostile mails at a time arrive, for ${duration / 1000} s…`);
  // BENCH_PROFILE=<file>: a CPU profile of the server during the abuse phase.
  server.child.send('profile-start');
  const until = Date.now() + duration;
  // The senders in a process of their own: their event loop is busy, the prober's must not be.
  const sent = runInOwnProcess<Record<string, Record<string, number>>>(
    new URL('../support/abuse-senders.ts', import.meta.url),
    { port: server.smtpPort, recipient: RECIPIENT, mails, until, kinds },
  );
  const [underAbuse, answers] = await Promise.all([probe(server.url, until), sent]);
  server.child.send('profile-stop');
  // What is still being decoded finishes; the peak includes it.
  await new Promise((r) => setTimeout(r, 2000));
  const after = await bench.ask<{ rss: number; peakRss: number }>('stats', 'stats');

  const f = (x: number) => `${x.toFixed(1)} ms`;
  const mb = (x: number) => `${Math.round(x / 1024 / 1024)} MB`;
  process.stdout.write(`
mail-abuse benchmark (${opts.only}, ${mails} hostile mails at a time${opts['rate-limited'] ? ', default rate limits' : ', no rate limits'}, ${duration / 1000} s each phase, limit ${opts['max-mb']} MiB)
  { __typename } alone              n=${alone.n}  p50 ${f(alone.p50)}  p99 ${f(alone.p99)}
  { __typename } under mail abuse   n=${underAbuse.n}  p50 ${f(underAbuse.p50)}  p99 ${f(underAbuse.p99)}
  ratio p99 under abuse / alone: ${(underAbuse.p99 / alone.p99).toFixed(2)}×  (aim: within 3×)
  server RSS: ${mb(before.rss)} before, ${mb(after.peakRss)} at its peak, ${mb(after.rss)} after
  SMTP answers:
${Object.entries(answers)
  .map(
    ([name, codes]) =>
      `    ${name.padEnd(40)} ${Object.entries(codes)
        .map(([c, n]) => `${c} ×${n}`)
        .join(', ')}`,
  )
  .join('\n')}
`);
} finally {
  await bench.stop();
}
