// Runs in the SMTP receiver's worker thread (smtp.ts): the SMTP dialogue,
// the per-address rates and the size cap. Every byte a client sends is read
// and un-dot-stuffed here, off the API's event loop; the main thread gets only
// whole mails (at most the size limit, or the first 64 KiB of one over it) and
// answers whether each was stored. Nothing here touches the database.
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { runBehindTheApi } from './niceness.ts';
import type { SmtpIntakeOptions, ToReceiver, ToServer } from './smtp.ts';

/** What is kept of a mail over the size limit: enough for its headers in the quarantine. */
const OVERSIZED_KEEP = 64 * 1024;

runBehindTheApi();

const options = workerData as SmtpIntakeOptions;
const port = parentPort;
if (!port) throw new Error('smtp-worker.ts runs as a worker thread');
const tell = (m: ToServer, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

const waiting = new Map<number, (stored: boolean) => void>();
let seq = 0;
/** Hands a mail to the main thread; resolves with whether it was stored. */
function hand(raw: Uint8Array, truncated: boolean, size: number): Promise<boolean> {
  const id = ++seq;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    tell({ type: 'mail', id, raw: raw.buffer as ArrayBuffer, truncated, size }, [raw.buffer as ArrayBuffer]);
  });
}

/** One contiguous copy that owns its memory, so it can be moved to the main thread without another copy. */
function join(chunks: Buffer[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c.subarray(0, length - at), at);
    at += Math.min(c.length, length - at);
    if (at >= length) break;
  }
  return out;
}

const recipients = new Set(options.recipients.map((r) => r.toLowerCase()));
const connections = new RateLimiterMemory({ points: options.connectionsPerMinute ?? 30, duration: 60 });
const mails = new RateLimiterMemory({ points: options.mailsPerHour ?? 120, duration: 3600 });
const tooMany = (what: string, responseCode: number) =>
  Object.assign(new Error(`Too many ${what} from your address; try again later`), { responseCode });

const config: SMTPServerOptions = {
  name: 'psirt',
  banner: 'psirt mail intake',
  authOptional: true,
  disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
  // A Buffer crosses into a worker as a plain Uint8Array.
  ...(options.tls ? { key: Buffer.from(options.tls.key), cert: Buffer.from(options.tls.cert) } : {}),
  size: options.maxBytes,
  maxClients: options.maxClients ?? 50,
  // On stop, a client still connected gets this long to finish its mail.
  closeTimeout: 5_000,
  // No reverse DNS of the client: on a closed network every lookup waits for its timeout.
  disableReverseLookup: true,
  logger: false,
  onConnect(session, callback) {
    connections.consume(session.remoteAddress).then(
      () => callback(),
      () => callback(tooMany('connections', 421)),
    );
  },
  onMailFrom(_address, session, callback) {
    mails.consume(session.remoteAddress).then(
      () => callback(),
      () => callback(tooMany('mails', 451)),
    );
  },
  onRcptTo(address, _session, callback) {
    if (recipients.has(address.address.toLowerCase())) return callback();
    callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
  },
  onData(stream, session, callback) {
    // RFC 5321 §4.4: the receiving end records the envelope sender; empty for a bounce.
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const chunks: Buffer[] = [Buffer.from(`Return-Path: <${envelopeFrom.replace(/[\r\n<>]/g, '')}>\r\n`)];
    let kept = chunks[0]?.length ?? 0;
    let seen = 0;
    let over = false;
    stream.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (over) return; // the client must finish its DATA; nothing more is kept
      if (kept + chunk.length > options.maxBytes) {
        // Only the start stays, for the quarantine's record (its headers): not megabytes of it.
        over = true;
        const start = join([...chunks, chunk], Math.min(OVERSIZED_KEEP, kept + chunk.length));
        chunks.length = 0;
        chunks.push(Buffer.from(start.buffer));
        kept = start.length;
        return;
      }
      chunks.push(chunk);
      kept += chunk.length;
    });
    stream.on('end', () => {
      const truncated = over || stream.sizeExceeded === true;
      const raw = truncated ? join(chunks, Math.min(kept, OVERSIZED_KEEP)) : join(chunks, kept);
      chunks.length = 0;
      hand(raw, truncated, seen).then((stored) => {
        if (!stored) return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        if (!truncated) return callback();
        callback(Object.assign(new Error('Message exceeds fixed maximum message size'), { responseCode: 552 }));
      });
    });
  },
};

const server = new SMTPServer(config);
server.on('error', (error) => tell({ type: 'warn', message: error.message }));

port.on('message', (m: ToReceiver) => {
  switch (m.type) {
    case 'stored':
      waiting.get(m.id)?.(m.ok);
      waiting.delete(m.id);
      return;
    case 'listen':
      server.server.once('error', (error) => tell({ type: 'failed', message: error.message }));
      server.listen(m.port, m.host, () =>
        tell({ type: 'listening', port: (server.server.address() as AddressInfo).port }),
      );
      return;
    case 'close':
      server.close(() => tell({ type: 'closed' }));
      return;
  }
});
