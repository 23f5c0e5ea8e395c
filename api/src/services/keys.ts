// The PSIRT's OpenPGP keys (openpgp.js). One current key: published at
// /pgp-key.asc and in security.txt. Generating or importing a key makes it
// current; the key it replaces keeps decrypting for an overlap, so reports
// encrypted to the old key still open. Private keys are stored armoured and
// encrypted with the passphrase from the environment, and never leave here.
import { createHash } from 'node:crypto';
import { appendAuditNow, type Db } from '@psirt/db';
import { DomainError } from '@psirt/schema';
import * as openpgp from 'openpgp';

/** Advisory-lock id for changes to the PSIRT keys ("psirtkey"). */
const KEY_LOCK = 0x70736972746b6579n;

export interface KeyPolicy {
  /** Encrypts the stored private keys (PSIRT_KEY_PASSPHRASE, or its file). */
  passphrase: string;
  /** The key's user id. */
  name: string;
  email: string;
  /** How long a replaced key keeps decrypting (days). */
  overlapDays: number;
}

export interface PublicKeyInfo {
  fingerprint: string;
  armored: string;
  createdAt: Date;
}

/** The current key's public half, or null when the PSIRT has none yet. */
export async function currentPublicKey(db: Db): Promise<PublicKeyInfo | null> {
  const row = await db.psirtKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
  return row && { fingerprint: row.fingerprint, armored: row.publicKey, createdAt: row.createdAt };
}

/** Generates a key (Curve25519) and makes it current. */
export async function generatePsirtKey(db: Db, policy: KeyPolicy, now = new Date()): Promise<PublicKeyInfo> {
  const { privateKey, publicKey } = await generate(policy, now);
  return install(db, publicKey, privateKey, policy, now, 'generated');
}

/**
 * The current key; one is generated when there is none. Instances starting
 * together agree: the first to commit wins, the others keep its key.
 */
export async function ensurePsirtKey(
  db: Db,
  policy: KeyPolicy,
  now = new Date(),
): Promise<{ key: PublicKeyInfo; generated: boolean }> {
  const existing = await currentPublicKey(db);
  if (existing) return { key: existing, generated: false };
  const { privateKey, publicKey } = await generate(policy, now);
  try {
    return { key: await install(db, publicKey, privateKey, policy, now, 'generated', true), generated: true };
  } catch (error) {
    const winner = await currentPublicKey(db);
    if (winner && DomainError.is(error) && error.code === 'CONFLICT') return { key: winner, generated: false };
    throw error;
  }
}

function generate(policy: KeyPolicy, now: Date) {
  return openpgp.generateKey({
    userIDs: [{ name: policy.name, email: policy.email }],
    passphrase: policy.passphrase,
    format: 'armored',
    date: now,
  });
}

/**
 * Imports an armoured private key (decrypted with `keyPassphrase` when it is
 * protected), checks that it can encrypt and has not expired, stores it under
 * the PSIRT passphrase and makes it current.
 */
export async function importPsirtKey(
  db: Db,
  armoredKey: string,
  keyPassphrase: string | undefined,
  policy: KeyPolicy,
  now = new Date(),
): Promise<PublicKeyInfo> {
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey });
  } catch {
    throw new DomainError('VALIDATION', 'This is not an armoured OpenPGP private key.');
  }
  if (!key.isDecrypted()) {
    if (!keyPassphrase) throw new DomainError('VALIDATION', 'The key is protected: give its passphrase.');
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase: keyPassphrase });
    } catch {
      throw new DomainError('VALIDATION', 'The passphrase does not open this key.');
    }
  }
  const expires = await key.getExpirationTime();
  if (expires instanceof Date && expires <= now) throw new DomainError('VALIDATION', 'The key has expired.');
  try {
    await key.getEncryptionKey(undefined, now);
  } catch {
    throw new DomainError('VALIDATION', 'The key has no usable encryption subkey.');
  }
  const stored = await openpgp.encryptKey({ privateKey: key, passphrase: policy.passphrase });
  return install(db, key.toPublic().armor(), stored.armor(), policy, now, 'imported');
}

async function install(
  db: Db,
  publicKey: string,
  privateKey: string,
  policy: KeyPolicy,
  now: Date,
  how: 'generated' | 'imported',
  onlyIfNone = false,
): Promise<PublicKeyInfo> {
  const key = await openpgp.readKey({ armoredKey: publicKey });
  const fingerprint = key.getFingerprint().toUpperCase();
  const decryptUntil = new Date(now.getTime() + policy.overlapDays * 86_400_000);
  const row = await db.$transaction(async (tx) => {
    // One writer of the key table at a time, across instances.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_LOCK}::bigint)`;
    if (onlyIfNone && (await tx.psirtKey.count({ where: { retiredAt: null } }))) {
      throw new DomainError('CONFLICT', 'Another instance installed the first key.');
    }
    if (await tx.psirtKey.findUnique({ where: { fingerprint } })) {
      throw new DomainError('CONFLICT', `The key ${fingerprint} is already installed.`);
    }
    await tx.psirtKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: now, decryptUntil } });
    return tx.psirtKey.create({ data: { fingerprint, userId: key.getUserIDs()[0] ?? '', publicKey, privateKey } });
  });
  await appendAuditNow(db, {
    actorKind: 'SYSTEM',
    actorId: null,
    action: `psirt.key.${how}`,
    subjectType: 'PsirtKey',
    subjectId: row.id,
    data: { fingerprint },
  });
  return { fingerprint, armored: publicKey, createdAt: row.createdAt };
}

/** Unlocked private keys, per key and passphrase, kept by the process: unlocking is deliberately slow. */
const unlocked = new Map<string, Promise<openpgp.PrivateKey>>();

function unlock(row: { fingerprint: string; privateKey: string }, passphrase: string): Promise<openpgp.PrivateKey> {
  const id = `${row.fingerprint}:${createHash('sha256').update(passphrase).digest('hex')}`;
  let key = unlocked.get(id);
  if (!key) {
    key = openpgp
      .readPrivateKey({ armoredKey: row.privateKey })
      .then((privateKey) => openpgp.decryptKey({ privateKey, passphrase }));
    key.catch(() => unlocked.delete(id));
    unlocked.set(id, key);
  }
  return key;
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
 * Opens an OpenPGP message sent to the PSIRT (armoured text or binary) with
 * the current key or one still in its overlap, and checks its signatures
 * against `verificationKeys`. Throws PgpProblem when it cannot.
 */
export async function openForPsirt(
  db: Db,
  passphrase: string,
  input: string | Uint8Array,
  options: {
    verificationKeys?: readonly openpgp.PublicKey[];
    now?: Date;
    /** The most the plaintext may hold (after decompression): a compression bomb stops there. */
    maxBytes?: number;
  } = {},
): Promise<{ data: Uint8Array; fingerprint: string; signature: SignatureCheck }> {
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
  // The keys that may decrypt now: the current one, and replaced ones within their overlap.
  const rows = await db.psirtKey.findMany({
    where: { OR: [{ retiredAt: null }, { decryptUntil: { gt: now } }] },
    orderBy: { createdAt: 'desc' },
  });
  const wanted = message.getEncryptionKeyIDs().map((id) => id.toHex());
  if (wanted.length === 0) throw new PgpProblem('UNREADABLE', 'the OpenPGP data is not an encrypted message');
  // A hidden recipient (gpg --throw-keyids, Thunderbird's option) names the wildcard key id:
  // every key that may decrypt now is tried, newest first.
  const hidden = wanted.includes('0000000000000000');
  const candidates: typeof rows = [];
  for (const r of rows) {
    const key = await openpgp.readKey({ armoredKey: r.publicKey });
    if (hidden || key.getKeys().some((k) => wanted.includes(k.getKeyID().toHex()))) candidates.push(r);
  }
  if (candidates.length === 0) {
    throw new PgpProblem(
      'NOT_FOR_PSIRT',
      `encrypted to key id(s) ${wanted.map((w) => w.toUpperCase()).join(', ')}, none of which the PSIRT can use now`,
    );
  }
  const verificationKeys = [...(options.verificationKeys ?? [])];
  let result: { data: Uint8Array; signatures: openpgp.DecryptMessageResult['signatures'] } | undefined;
  let row = candidates[0] as (typeof rows)[number];
  let failure: Error | undefined;
  for (const [i, candidate] of candidates.entries()) {
    try {
      const decrypted = await openpgp.decrypt({
        message: i === 0 ? message : await read(),
        decryptionKeys: await unlock(candidate, passphrase),
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

/** Decrypts a message sent to the PSIRT (armoured); says which key opened it. */
export async function decryptForPsirt(
  db: Db,
  passphrase: string,
  armoredMessage: string,
  now = new Date(),
): Promise<{ text: string; fingerprint: string }> {
  try {
    const { data, fingerprint } = await openForPsirt(db, passphrase, armoredMessage, { now });
    return { text: new TextDecoder().decode(data), fingerprint };
  } catch (error) {
    if (!(error instanceof PgpProblem)) throw error;
    throw new DomainError(
      'VALIDATION',
      error.kind === 'NOT_FOR_PSIRT'
        ? 'The message is not encrypted to a key the PSIRT can use now.'
        : 'This is not an armoured OpenPGP message.',
    );
  }
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

/** The current key, unlocked for signing; null when the PSIRT has none. */
export async function currentSigningKey(
  db: Db,
  passphrase: string,
): Promise<{ key: openpgp.PrivateKey; createdAt: Date } | null> {
  const row = await db.psirtKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
  return row && { key: await unlock(row, passphrase), createdAt: row.createdAt };
}

/**
 * Encrypts `data` to a reporter's key, signed by the PSIRT key when there is
 * one (armoured): the body of a PGP/MIME message.
 */
export async function encryptToReporter(
  armoredKey: string,
  data: Uint8Array,
  signer: { key: openpgp.PrivateKey; createdAt: Date } | null,
  date: Date,
): Promise<string> {
  const encryptionKeys = await openpgp.readKey({ armoredKey });
  return openpgp.encrypt({
    message: await openpgp.createMessage({ binary: data }),
    encryptionKeys,
    ...(signer ? { signingKeys: signer.key } : {}),
    date: signer && date < signer.createdAt ? signer.createdAt : date,
    format: 'armored',
  });
}

/** A clear-signed text (RFC 9580 §7) by the PSIRT key: readable without OpenPGP, verifiable with it. */
export async function clearSign(text: string, signer: { key: openpgp.PrivateKey; createdAt: Date }, date: Date) {
  return openpgp.sign({
    message: await openpgp.createCleartextMessage({ text }),
    signingKeys: signer.key,
    date: date < signer.createdAt ? signer.createdAt : date,
    format: 'armored',
  });
}

/**
 * A detached, armoured signature of `data` by the current key, dated `date`;
 * null when the PSIRT has no key.
 */
export async function signDetached(db: Db, passphrase: string, data: Uint8Array, date: Date): Promise<string | null> {
  const row = await db.psirtKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
  if (!row) return null;
  const key = unlock(row, passphrase);
  // openpgp.js salts each signature, so one is kept per key and content: a
  // document is served with the same signature for as long as this process runs.
  const id = `${row.fingerprint}:${createHash('sha256').update(data).digest('hex')}`;
  let signature = signatures.get(id);
  if (!signature) {
    const signingKey = key;
    signature = (async () => {
      const message = await openpgp.createMessage({ binary: data });
      // A signature may not predate its key.
      const at = date < row.createdAt ? row.createdAt : date;
      return openpgp.sign({ message, signingKeys: await signingKey, detached: true, date: at, format: 'armored' });
    })();
    signature.catch(() => signatures.delete(id));
    signatures.set(id, signature);
    if (signatures.size > 1000) signatures.delete(signatures.keys().next().value as string);
  }
  return signature;
}

const signatures = new Map<string, Promise<string>>();

/**
 * A reporter's public key, checked on receipt: readable, public, not expired,
 * able to encrypt (replies are encrypted to it). Answers its fingerprint and
 * the key re-armoured; refuses with a message that names the problem.
 */
export async function checkReporterKey(
  armored: string,
  field: string,
  now = new Date(),
): Promise<{ fingerprint: string; armored: string }> {
  const refuse = (why: string) => new DomainError('VALIDATION', `${field}: ${why}`, field);
  let key: openpgp.Key;
  try {
    key = await openpgp.readKey({ armoredKey: armored });
  } catch {
    throw refuse('not a readable ASCII-armoured OpenPGP public key');
  }
  if (key.isPrivate())
    throw refuse('this is a private key: send the public key only (and keep the private one secret)');
  const expires = await key.getExpirationTime();
  if (expires instanceof Date && expires <= now)
    throw refuse(`the key expired on ${expires.toISOString().slice(0, 10)}`);
  try {
    await key.getEncryptionKey(undefined, now);
  } catch {
    throw refuse('the key cannot encrypt (no valid encryption subkey)');
  }
  return { fingerprint: key.getFingerprint().toUpperCase(), armored: key.armor() };
}
