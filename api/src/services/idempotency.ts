// Idempotent submission: a retry must get back exactly what the first request
// was answered, including its one-time reporter token — which the database
// keeps only as a hash. So the first answer is sealed (AES-256-GCM) under a key
// derived (HKDF-SHA256) from the submitter's idempotency key and the
// submission's digest, and the row keeps only the idempotency key's SHA-256:
// whoever presents the key with the same submission can open the answer; the
// database alone cannot. node:crypto has every primitive; no library adds to it.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** What the row keeps of an idempotency key (unique, and not enough to open the answer). */
export const idempotencyDigest = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

const VERSION = 'v1';
const answerKey = (key: string, digest: string) =>
  Buffer.from(hkdfSync('sha256', Buffer.from(key, 'utf8'), digest, 'psirt submission answer v1', 32));

export function sealAnswer(key: string, digest: string, answer: { reporterToken: string }): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', answerKey(key, digest), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')}`;
}

/** The sealed answer, or null when it cannot be opened with this key and digest. */
export function openAnswer(key: string, digest: string, sealed: string): { reporterToken: string } | null {
  const [version, body = ''] = sealed.split('.');
  if (version !== VERSION) return null;
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.length < 12 + 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', answerKey(key, digest), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    const answer = JSON.parse(plain.toString('utf8')) as { reporterToken?: unknown };
    return typeof answer.reporterToken === 'string' ? { reporterToken: answer.reporterToken } : null;
  } catch {
    return null;
  }
}
