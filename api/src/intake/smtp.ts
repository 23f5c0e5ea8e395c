// The SMTP receiver (smtp-server): the PSIRT's reporting address as an MX or
// behind a relay. It takes mail for the configured recipients only, stores
// each message before answering 250 (so an accepted mail is never lost) and
// answers 451 — "try again later" — when the store fails. What happens to the
// mail after that (a VSR, a reply, the quarantine) is never told to the
// sender: a reporter learns the outcome from the acknowledgement.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { type IntakeDeps, receiveMail } from './mail.ts';

export interface SmtpIntakeOptions {
  /** Addresses mail is accepted for (case-insensitive), e.g. psirt@vendor.example. */
  recipients: readonly string[];
  /** The hard limit: larger mails are cut there, quarantined and refused with 552. */
  hardLimitBytes: number;
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

export function createSmtpIntake(deps: IntakeDeps, options: SmtpIntakeOptions): SmtpIntake {
  const recipients = new Set(options.recipients.map((r) => r.toLowerCase()));
  const config: SMTPServerOptions = {
    name: 'psirt',
    banner: 'psirt mail intake',
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    size: options.hardLimitBytes,
    maxClients: options.maxClients ?? 50,
    // On stop, a client still connected gets this long to finish its mail.
    closeTimeout: 5_000,
    // No reverse DNS of the client: on a closed network every lookup waits for its timeout.
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (recipients.has(address.address.toLowerCase())) return callback();
      callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      let kept = 0;
      stream.on('data', (chunk: Buffer) => {
        // Past the hard limit the rest is read and dropped (the client must finish its DATA).
        if (kept >= options.hardLimitBytes) return;
        const piece = chunk.subarray(0, options.hardLimitBytes - kept);
        chunks.push(piece);
        kept += piece.length;
      });
      stream.on('end', () => {
        const truncated = stream.sizeExceeded === true;
        receiveMail(deps, Buffer.concat(chunks), 'SMTP', { truncated }).then(
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
