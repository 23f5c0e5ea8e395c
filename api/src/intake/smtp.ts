// The SMTP receiver (smtp-server): the PSIRT's reporting address as an MX or
// behind a relay. It takes mail for the configured recipients only, stores
// each message before answering 250 (so an accepted mail is never lost) and
// answers 451 — "try again later" — when the store fails. What happens to the
// mail after that (a VSR, a reply, the quarantine) is never told to the
// sender: a reporter learns the outcome from the acknowledgement.
import { Worker } from 'node:worker_threads';
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

/** From the main thread to the receiver's worker. */
export type ToReceiver =
  | { type: 'listen'; port: number; host: string }
  | { type: 'stored'; id: number; ok: boolean }
  | { type: 'close' };

/** From the receiver's worker to the main thread. */
export type ToServer =
  | { type: 'listening'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'mail'; id: number; raw: ArrayBuffer; truncated: boolean; size: number }
  | { type: 'warn'; message: string }
  | { type: 'closed' };

export interface SmtpIntake {
  /** Starts listening; resolves with the port (0 picks a free one). */
  listen(port: number, host: string): Promise<number>;
  /** Stops taking connections; a client in the middle of a mail gets 5 s to finish it. */
  close(): Promise<void>;
}

/**
 * The receiver runs in a worker thread: reading and un-dot-stuffing the
 * data of twenty 15 MB mails is seconds of CPU that every API request would
 * otherwise wait behind. Mails are stored here, on the main thread, by
 * receiveMail; the worker answers the client 250 only once that is done. If
 * the worker dies (it should not), it is started again on the same port:
 * a client whose mail was not yet stored got no 250 and sends it again.
 */
export function createSmtpIntake(deps: IntakeDeps, options: SmtpIntakeOptions): SmtpIntake {
  let worker: Worker | undefined;
  let bound: { port: number; host: string } | undefined;
  let closing = false;

  const start = (): Worker => {
    const w = new Worker(new URL('./smtp-worker.mjs', import.meta.url), { workerData: options });
    w.on('message', (m: ToServer) => {
      if (m.type === 'mail') {
        receiveMail(deps, Buffer.from(m.raw), 'SMTP', { truncated: m.truncated, size: m.size }).then(
          () => w.postMessage({ type: 'stored', id: m.id, ok: true } satisfies ToReceiver),
          (error) => {
            deps.log?.error({ err: error }, 'could not store a received mail; the sender will retry');
            w.postMessage({ type: 'stored', id: m.id, ok: false } satisfies ToReceiver);
          },
        );
      } else if (m.type === 'warn') deps.log?.warn({ detail: m.message }, 'SMTP connection error');
    });
    w.on('error', (error) => deps.log?.error({ err: error }, 'the SMTP receiver failed'));
    w.on('exit', () => {
      if (closing || worker !== w || !bound) return;
      deps.log?.error('the SMTP receiver stopped; starting it again in a second');
      worker = undefined;
      const again = bound;
      // A second's pause: a receiver that dies as it starts must not be restarted in a tight loop.
      setTimeout(() => {
        if (closing || worker) return;
        worker = start();
        ask(worker, { type: 'listen', ...again }, 'listening').catch((error) =>
          deps.log?.error({ err: error }, 'the SMTP receiver could not listen again'),
        );
      }, 1000).unref();
    });
    return w;
  };

  /** Sends `m` and waits for the answer of type `until` (or fails with the worker's). */
  const ask = <T extends ToServer['type']>(w: Worker, m: ToReceiver, until: T) =>
    new Promise<Extract<ToServer, { type: T }>>((resolve, reject) => {
      const onMessage = (r: ToServer) => {
        if (r.type === until) finish(() => resolve(r as Extract<ToServer, { type: T }>));
        else if (r.type === 'failed') finish(() => reject(new Error(r.message)));
      };
      const onExit = () => finish(() => reject(new Error('the SMTP receiver stopped')));
      const finish = (then: () => void) => {
        w.off('message', onMessage);
        w.off('exit', onExit);
        then();
      };
      w.on('message', onMessage);
      w.on('exit', onExit);
      w.postMessage(m);
    });

  return {
    async listen(port, host) {
      worker ??= start();
      const { port: actual } = await ask(worker, { type: 'listen', port, host }, 'listening');
      bound = { port: actual, host };
      return actual;
    },
    async close() {
      closing = true;
      const w = worker;
      worker = undefined;
      if (!w) return;
      await ask(w, { type: 'close' }, 'closed').catch(() => {});
      await w.terminate();
    },
  };
}
