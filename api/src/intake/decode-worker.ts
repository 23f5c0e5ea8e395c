// Runs in the decoder's worker thread: walks one mail at a time (parts.ts)
// with OpenPGP on the keys it was handed. Nothing here touches the database.
import { parentPort } from 'node:worker_threads';
import * as openpgp from 'openpgp';
import { openWithKeys, PgpProblem, readPublicKeys, verifyCleartext, verifyDetached } from '../services/pgp.ts';
import type { DecodeJob, DecodeOutcome } from './decoder.ts';
import { runBehindTheApi } from './niceness.ts';
import { WalkRefused, walkMail } from './parts.ts';

runBehindTheApi();

async function run(job: DecodeJob): Promise<DecodeOutcome> {
  const now = new Date(job.now);
  const keys = await Promise.all(
    job.keys.map(async (k) => ({
      fingerprint: k.fingerprint,
      key: await openpgp.readPrivateKey({ armoredKey: k.armored }),
    })),
  );
  const known = await readPublicKeys(job.known);
  let budget = job.budget;
  try {
    const walked = await walkMail(Buffer.from(job.raw), {
      async open(input) {
        const opened = await openWithKeys(keys, input, { verificationKeys: known, now, maxBytes: budget });
        budget -= opened.data.length;
        return opened;
      },
      verifyCleartext: (armored) => verifyCleartext(armored, known, now),
      verifyDetached: (data, signature) => verifyDetached(data, signature, known, now),
    });
    return { ok: true, walked };
  } catch (error) {
    if (error instanceof PgpProblem) return { ok: false, pgp: error.kind, message: error.message };
    if (error instanceof WalkRefused) return { ok: false, walk: error.reason, message: error.message };
    return { ok: false, message: (error as Error)?.message ?? String(error) };
  }
}

parentPort?.on('message', (job: DecodeJob) => {
  run(job).then(
    (outcome) => parentPort?.postMessage({ id: job.id, outcome }),
    (error) => parentPort?.postMessage({ id: job.id, outcome: { ok: false, message: String(error) } }),
  );
});
