// Decoding mail off the API's event loop. Parsing a 10 MB mail, decrypting
// it and walking its MIME tree is seconds of CPU, and a hostile mail is built
// to make it worse; on the main thread every API request would wait. So it
// runs in a worker thread with its own heap limit (resourceLimits): a mail
// that exhausts it, or runs past the time limit, ends that worker — and in the
// quarantine as PROCESSING_ERROR, with why — never the process. One mail at a
// time, so a hostile mail takes no other mail down with it; a new worker is
// started for the next.
import { Worker } from 'node:worker_threads';
import type { PgpProblem } from '../services/pgp.ts';
import type { Walked, WalkRefused } from './parts.ts';

export interface DecodeJob {
  id: number;
  raw: Uint8Array;
  /** The PSIRT keys that may decrypt now, unlocked, armoured (they never leave the process). */
  keys: { fingerprint: string; armored: string }[];
  /** The sender's known public keys. */
  known: string[];
  now: number;
  /** The most all of the mail's encrypted parts may decrypt to. */
  budget: number;
}

export type DecodeOutcome =
  | { ok: true; walked: Walked }
  | { ok: false; pgp?: PgpProblem['kind']; walk?: WalkRefused['reason']; message: string };

export interface DecoderLimits {
  /** The worker's heap (old generation), in MB. */
  heapMb: number;
  /** The longest one mail may take. */
  timeoutMs: number;
}

export const DEFAULT_DECODER_LIMITS: DecoderLimits = { heapMb: 512, timeoutMs: 60_000 };

export class MailDecoder {
  private worker: Worker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private closed = false;

  constructor(readonly limits: DecoderLimits = DEFAULT_DECODER_LIMITS) {}

  /** Decodes one mail in the worker (after any mail before it). */
  decode(job: Omit<DecodeJob, 'id'>): Promise<DecodeOutcome> {
    const next = this.queue.then(() => this.run({ ...job, id: ++this.seq }));
    this.queue = next.catch(() => {});
    return next;
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./decode-worker.mjs', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: this.limits.heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    worker.unref();
    return worker;
  }

  private run(job: DecodeJob): Promise<DecodeOutcome> {
    if (this.closed) return Promise.reject(new Error('the mail decoder is stopped'));
    this.worker ??= this.spawn();
    const worker = this.worker;
    // Held while a mail is in it (a CLI command waits for it); let go when idle.
    worker.ref();
    return new Promise<DecodeOutcome>((resolve) => {
      const done = (outcome: DecodeOutcome, retire: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (retire) {
          if (this.worker === worker) this.worker = undefined;
          void worker.terminate();
        } else worker.unref();
        resolve(outcome);
      };
      const onMessage = (m: { id: number; outcome: DecodeOutcome }) => {
        if (m.id === job.id) done(m.outcome, false);
      };
      const onError = (error: Error & { code?: string }) =>
        done(
          {
            ok: false,
            message:
              error.code === 'ERR_WORKER_OUT_OF_MEMORY'
                ? `decoding it needed more than the ${this.limits.heapMb} MB it may use`
                : `decoding failed: ${error.message}`,
          },
          true,
        );
      const onExit = () => done({ ok: false, message: 'the decoder stopped while decoding it' }, true);
      const timer = setTimeout(
        () => done({ ok: false, message: `decoding it took longer than ${this.limits.timeoutMs / 1000} s` }, true),
        this.limits.timeoutMs,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

/** Attachments cross from the worker as Uint8Array: Buffers again. */
export function revive(walked: Walked): Walked {
  return {
    ...walked,
    attachments: walked.attachments.map((a) => ({
      ...a,
      content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
    })),
  };
}
