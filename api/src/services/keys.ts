// The PSIRT's OpenPGP keys (openpgp.js). One current key: published at
// /pgp-key.asc and in security.txt. Generating or importing a key makes it
// current; the key it replaces keeps decrypting for an overlap, so reports
// encrypted to the old key still open. Private keys are stored armoured and
// encrypted with the passphrase from the environment, and never leave here.
import { createHash } from 'node:crypto';
import { appendAuditNow, type Db } from '@psirt/db';
import { DomainError } from '@psirt/schema';
import * as openpgp from 'openpgp';
import { type DecryptionKey, type Opened, type OpenOptions, openWithKeys, PgpProblem } from './pgp.ts';

export * from './pgp.ts';

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

/**
 * Opens an OpenPGP message sent to the PSIRT with the current key or one still
 * in its overlap (see openWithKeys).
 */
export async function openForPsirt(
  db: Db,
  passphrase: string,
  input: string | Uint8Array,
  options: OpenOptions = {},
): Promise<Opened> {
  return openWithKeys(await psirtDecryptionKeys(db, passphrase, options.now ?? new Date()), input, options);
}

/** The PSIRT keys that may decrypt now, newest first, unlocked: the current one, and replaced ones within their overlap. */
export async function psirtDecryptionKeys(db: Db, passphrase: string, now: Date): Promise<DecryptionKey[]> {
  const rows = await db.psirtKey.findMany({
    where: { OR: [{ retiredAt: null }, { decryptUntil: { gt: now } }] },
    orderBy: { createdAt: 'desc' },
  });
  return Promise.all(rows.map(async (r) => ({ fingerprint: r.fingerprint, key: await unlock(r, passphrase) })));
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
