// OpenPGP without the database: decrypting with keys at hand, checking
// signatures. Pure, so the mail intake's worker thread can run it (keys.ts
// fetches and unlocks the PSIRT's keys and re-exports all of this).
import * as openpgp from 'openpgp';

/** A key that may decrypt, unlocked, with the fingerprint of its primary key. */
export interface DecryptionKey {
  fingerprint: string;
  key: openpgp.PrivateKey;
}

export interface OpenOptions {
  verificationKeys?: readonly openpgp.PublicKey[];
  now?: Date;
  /** The most the plaintext may hold (after decompression): a compression bomb stops there. */
  maxBytes?: number;
}

export interface Opened {
  data: Uint8Array;
  fingerprint: string;
  signature: SignatureCheck;
}

/** The most a decrypted message may hold by default (PSIRT_MAIL_MAX_BYTES × 4 for mail). */
export const DEFAULT_PLAINTEXT_MAX_BYTES = 64 * 1024 * 1024;

/** A stream of one chunk: what openpgp.js needs to stream its output. */
function once<T extends string | Uint8Array>(value: T): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      controller.enqueue(value);
      controller.close();
    },
  });
}

/** Reads a decrypted stream whole, or stops at `maxBytes` (TOO_LARGE). */
async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new PgpProblem(
        'TOO_LARGE',
        `it decrypts to more than ${maxBytes} bytes (a compression bomb, or too large)`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Why an OpenPGP message could not be opened (the mail intake quarantines by it). */
export class PgpProblem extends Error {
  override name = 'PgpProblem';
  constructor(
    readonly kind: 'UNREADABLE' | 'NOT_FOR_PSIRT' | 'TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

/** What a signature check said: against the keys the PSIRT knows for the sender. */
export type SignatureStatus = 'UNSIGNED' | 'VALID' | 'UNKNOWN_KEY' | 'BAD';

export interface SignatureCheck {
  status: SignatureStatus;
  /** The signing key's id (hex), when signed. */
  signer?: string;
}

/**
 * Classifies openpgp.js's verification results: VALID when a signature
 * verifies with a known key; BAD when it names a known key and does not verify
 * (altered, or forged); UNKNOWN_KEY when it names no key we know.
 */
export async function checkSignatures(
  signatures: { keyID: openpgp.KeyID; verified: Promise<boolean> }[],
  known: readonly openpgp.PublicKey[],
): Promise<SignatureCheck> {
  if (signatures.length === 0) return { status: 'UNSIGNED' };
  const knownIds = new Set(known.flatMap((k) => k.getKeys().map((sub) => sub.getKeyID().toHex())));
  let result: SignatureCheck | undefined;
  for (const s of signatures) {
    const signer = s.keyID.toHex().toUpperCase();
    const ok = await s.verified.then(
      () => true,
      () => false,
    );
    if (ok && knownIds.has(s.keyID.toHex())) return { status: 'VALID', signer };
    if (knownIds.has(s.keyID.toHex())) result = { status: 'BAD', signer };
    else result ??= { status: 'UNKNOWN_KEY', signer };
  }
  return result ?? { status: 'UNKNOWN_KEY' };
}

/**
 * Decrypts an OpenPGP message (armoured text or binary) with the first of
 * `keys` it is encrypted to (any of them, for a hidden recipient), reading at
 * most `maxBytes` of plaintext, and checks its signatures against
 * `verificationKeys`. Throws PgpProblem when it cannot.
 */
export async function openWithKeys(
  keys: readonly DecryptionKey[],
  input: string | Uint8Array,
  options: OpenOptions = {},
): Promise<Opened> {
  const now = options.now ?? new Date();
  const maxBytes = options.maxBytes ?? DEFAULT_PLAINTEXT_MAX_BYTES;
  // Read from a stream, so that decryption streams too: decompression proceeds chunk by chunk
  // and is cut off at maxBytes instead of filling memory (an OpenPGP message compresses 1 GB of
  // zeros into a megabyte). A streamed message is read once: each attempt reads it anew.
  const read = async () =>
    (typeof input === 'string'
      ? await openpgp.readMessage({ armoredMessage: once(input) })
      : await openpgp.readMessage({ binaryMessage: once(input) })) as openpgp.Message<Uint8Array>;
  let message: openpgp.Message<Uint8Array>;
  try {
    message = await read();
  } catch (error) {
    throw new PgpProblem('UNREADABLE', `not an OpenPGP message: ${(error as Error).message}`);
  }
  const wanted = message.getEncryptionKeyIDs().map((id) => id.toHex());
  if (wanted.length === 0) throw new PgpProblem('UNREADABLE', 'the OpenPGP data is not an encrypted message');
  // A hidden recipient (gpg --throw-keyids, Thunderbird's option) names the wildcard key id:
  // every key that may decrypt now is tried, newest first.
  const hidden = wanted.includes('0000000000000000');
  const candidates = keys.filter(
    (k) => hidden || k.key.getKeys().some((sub) => wanted.includes(sub.getKeyID().toHex())),
  );
  if (candidates.length === 0) {
    throw new PgpProblem(
      'NOT_FOR_PSIRT',
      `encrypted to key id(s) ${wanted.map((w) => w.toUpperCase()).join(', ')}, none of which the PSIRT can use now`,
    );
  }
  const verificationKeys = [...(options.verificationKeys ?? [])];
  let result: { data: Uint8Array; signatures: openpgp.DecryptMessageResult['signatures'] } | undefined;
  let row = candidates[0] as DecryptionKey;
  let failure: Error | undefined;
  for (const [i, candidate] of candidates.entries()) {
    try {
      const decrypted = await openpgp.decrypt({
        message: i === 0 ? message : await read(),
        decryptionKeys: candidate.key,
        verificationKeys,
        format: 'binary',
        date: now,
        // Plaintext is released as it is decrypted; it is used only once all of it has been read
        // and the integrity check at its end has passed (the stream errors otherwise).
        config: { allowUnauthenticatedStream: true },
      });
      result = {
        data: await readCapped(decrypted.data as ReadableStream<Uint8Array>, maxBytes),
        signatures: decrypted.signatures,
      };
      row = candidate;
      break;
    } catch (error) {
      if (error instanceof PgpProblem) throw error;
      failure = error as Error;
    }
  }
  if (!result) {
    if (hidden) {
      throw new PgpProblem(
        'NOT_FOR_PSIRT',
        `encrypted to a hidden recipient, and none of the PSIRT's keys that may decrypt now opens it (${failure?.message})`,
      );
    }
    throw new PgpProblem('UNREADABLE', `could not decrypt: ${failure?.message}`);
  }
  const signature = await checkSignatures(result.signatures, verificationKeys);
  return { data: result.data, fingerprint: row.fingerprint, signature };
}

/** Readable public keys among `armored` (unreadable ones are skipped: they were checked on receipt). */
export async function readPublicKeys(armored: readonly string[]): Promise<openpgp.PublicKey[]> {
  const keys = await Promise.all(armored.map((k) => openpgp.readKey({ armoredKey: k }).catch(() => null)));
  return keys.filter((k): k is openpgp.PublicKey => k !== null);
}

/** Checks a detached signature (PGP/MIME multipart/signed) over the signed bytes (text or binary mode). */
export async function verifyDetached(
  data: Uint8Array,
  armoredSignature: string,
  known: readonly openpgp.PublicKey[],
  date: Date,
): Promise<SignatureCheck> {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature });
  } catch (error) {
    throw new PgpProblem('UNREADABLE', `not an OpenPGP signature: ${(error as Error).message}`);
  }
  const message = await openpgp.createMessage({ binary: data });
  const { signatures } = await openpgp.verify({ message, signature, verificationKeys: [...known], date });
  return checkSignatures(signatures, known);
}

/** Reads a clear-signed text and checks its signature. */
export async function verifyCleartext(
  armored: string,
  known: readonly openpgp.PublicKey[],
  date: Date,
): Promise<{ text: string; signature: SignatureCheck }> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: armored });
  } catch (error) {
    throw new PgpProblem('UNREADABLE', `not a clear-signed OpenPGP text: ${(error as Error).message}`);
  }
  const { signatures, data } = await openpgp.verify({ message, verificationKeys: [...known], date });
  return { text: String(data), signature: await checkSignatures(signatures, known) };
}
