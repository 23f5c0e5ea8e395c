import { describe, expect, it } from 'vitest';
import { armouredBlocks, type PgpOps, walkMail } from './parts.ts';

const MESSAGE = '-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----';
const SIGNED =
  '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nHello\n-----BEGIN PGP SIGNATURE-----\n\niQE\n-----END PGP SIGNATURE-----';

describe('inline OpenPGP blocks', () => {
  it('are found in order, each up to the first END of its kind, unclosed markers left as text', () => {
    const text = `before\n${SIGNED}\nmiddle -----BEGIN PGP MESSAGE----- never closed\n`;
    expect(armouredBlocks(text)).toEqual([{ kind: 'signed', index: 7, text: SIGNED }]);
    const both = `${MESSAGE}\n${SIGNED}\n${MESSAGE}`;
    expect(armouredBlocks(both).map((b) => b.kind)).toEqual(['message', 'signed', 'message']);
    expect(armouredBlocks(`-----BEGIN PGP SIGNED MESSAGE----- then ${MESSAGE}`)).toEqual([
      { kind: 'message', index: 40, text: MESSAGE },
    ]);
  });

  it('reads a mail made of thousands of unclosed markers as plain text, at once', async () => {
    // A lazy regular expression rescanned the rest of the mail from each marker:
    // 60,000 of them took half a minute of CPU (4 MB: under the size limit); now each kind is searched once.
    const body = `${'-----BEGIN PGP MESSAGE-----\r\n-----BEGIN PGP SIGNED MESSAGE-----\r\n'.repeat(30_000)}the end\r\n`;
    const raw = Buffer.from(
      `From: a@example.org\r\nTo: psirt@example.com\r\nSubject: markers\r\nContent-Type: text/plain\r\n\r\n${body}`,
    );
    const refuse = async (): Promise<never> => {
      throw new Error('no block is complete: nothing to open');
    };
    const pgp: PgpOps = { open: refuse, verifyCleartext: refuse, verifyDetached: refuse };
    const walked = await walkMail(raw, pgp);
    expect(walked.segments).toHaveLength(1);
    expect(walked.segments[0]?.signature.status).toBe('UNSIGNED');
    expect(walked.segments[0]?.text.endsWith('the end')).toBe(true);
  }, 10_000);
});
