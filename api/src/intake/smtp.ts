// The SMTP receiver (smtp-server): the PSIRT's reporting address as an MX or
// behind a relay. It takes mail for the configured recipients only, stores
// each message before answering 250 (so an accepted mail is never lost) and
// answers 451 — "try again later" — when the store fails. What happens to the
// mail after that (a VSR, a reply, the quarantine) is never told to the
// sender: a reporter learns the outcome from the acknowledgement.
import type { AddressInfo } from 'node:net';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { type IntakeDeps, receiveMail } from './mail.ts';

export interface SmtpIntakeOptions {
  /** Addresses mail is accepted for (case-insensitive), e.g. psirt@vendor.example. */
  recipients: readonly string[];
  /** SIZE, advertised and enforced while the data streams: past it nothing more is kept, the mail is refused with 552 and its first bytes are quarantined as OVERSIZED. */
  maxBytes: number;
  /** Connections one client address may open a minute (default 30). */
  connectionsPerMinute?: number;
  /** Mails one client address may send an hour (default 120). */
  mailsPerHour?: number;
  /** TLS for STARTTLS (PEM); without them STARTTLS is not offered. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Simultaneous SMTP clients (default 50). */
  maxClients?: number;
}

export interface SmtpIntake {
  server: SMTPServer;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/** What is kept of a mail over the size limit: enough for its headers in the quarantine. */
const OVERSIZED_KEEP = 64 * 1024;

export function createSmtpIntake(deps: IntakeDeps, options: SmtpIntakeOptions): SmtpIntake {
  const recipients = new Set(options.recipients.map((r) => r.toLowerCase()));
  const connections = new RateLimiterMemory({ points: options.connectionsPerMinute ?? 30, duration: 60 });
  const mails = new RateLimiterMemory({ points: options.mailsPerHour ?? 120, duration: 3600 });
  const tooMany = (what: string) =>
    Object.assign(new Error(`Too many ${what} from your address; try again later`), { responseCode: 421 });
  const config: SMTPServerOptions = {
    name: 'psirt',
    banner: 'psirt mail intake',
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
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
        () => callback(tooMany('connections')),
      );
    },
    onMailFrom(_address, session, callback) {
      mails.consume(session.remoteAddress).then(
        () => callback(),
        () => callback(Object.assign(tooMany('mails'), { responseCode: 451 })),
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
      let kept = 0;
      let seen = 0;
      let over = false;
      stream.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (over) return; // the client must finish its DATA; nothing more is kept
        if (kept + chunk.length > options.maxBytes) {
          over = true;
          // Only the start stays, for the quarantine's record (its headers): not megabytes of it,
          // and without copying what is let go.
          const start: Buffer[] = [];
          let n = 0;
          for (const c of [...chunks, chunk]) {
            if (n >= OVERSIZED_KEEP) break;
            const piece = c.subarray(0, OVERSIZED_KEEP - n);
            start.push(piece);
            n += piece.length;
          }
          chunks.length = 0;
          chunks.push(...start);
          kept = n;
          return;
        }
        chunks.push(chunk);
        kept += chunk.length;
      });
      stream.on('end', () => {
        const truncated = over || stream.sizeExceeded === true;
        receiveMail(deps, Buffer.concat(chunks), 'SMTP', { truncated, size: seen }).then(
          () => {
            if (!truncated) return callback();
            callback(Object.assign(new Error('Message exceeds fixed maximum message size'), { responseCode: 552 }));
          },
          (error) => {
            deps.log?.error({ err: error }, 'could not store a received mail; the sender will retry');
            callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          },
        );
      });
    },
  };
  const server = new SMTPServer(config);
  server.on('error', (error) => deps.log?.warn({ err: error }, 'SMTP connection error'));
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(port, host, () => {
          server.server.off('error', reject);
          resolve((server.server.address() as AddressInfo).port);
        });
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
