// The PSIRT's OpenPGP key with GnuPG as the peer: the key published at
// /pgp-key.asc (and named in security.txt and GraphQL) is one gpg can encrypt
// to, and what gpg encrypts to it the platform decrypts; a new key takes over
// while the old one keeps decrypting for the overlap, then stops.

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { currentPublicKey, decryptForPsirt, generatePsirtKey, importPsirtKey, type KeyPolicy } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedAdvisory, readyCase } from '../support/advisories.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { gpgAvailable, gpgHome } from '../support/gpg.ts';
import { makeWorld } from '../support/world.ts';

let app: TestApp;
const policy: KeyPolicy = {
  passphrase: 'test passphrase for the stored keys',
  name: 'Example PSIRT',
  email: 'psirt@example.com',
  overlapDays: 30,
};

beforeAll(async () => {
  app = await startTestApp({ keys: { passphrase: policy.passphrase }, submissionsPerHour: 1000 });
});
afterAll(() => app?.[Symbol.asyncDispose]());

const fprOf = (colons: string) => /^fpr:+([0-9A-F]{40,64}):/m.exec(colons)?.[1];

describe.skipIf(!gpgAvailable)(`the PSIRT OpenPGP key (${dialect})`, () => {
  it('publishes a key GnuPG encrypts to, decrypts what it sends, and rotates with an overlap', async () => {
    expect((await fetch(`${app.origin}/pgp-key.asc`)).status).toBe(404);
    expect(await (await fetch(`${app.origin}/.well-known/security.txt`)).text()).not.toContain('Encryption:');

    const first = await generatePsirtKey(app.db.prisma, policy);
    const res = await fetch(`${app.origin}/pgp-key.asc`);
    expect(res.headers.get('content-type')).toBe('application/pgp-keys');
    const armored = await res.text();
    expect(armored).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    expect(armored).not.toContain('PRIVATE');
    const txt = await (await fetch(`${app.origin}/.well-known/security.txt`)).text();
    expect(txt).toContain('Encryption: https://psirt.example.com/pgp-key.asc');
    const gql = await app.anonymous.gql('{ pgpKey { fingerprint armored } }');
    expect(gql.data?.pgpKey).toEqual({ fingerprint: first.fingerprint, armored });

    using gpg = gpgHome();
    await gpg.run(['--import'], armored);
    expect(fprOf(await gpg.run(['--with-colons', '--fingerprint', first.fingerprint]))).toBe(first.fingerprint);
    const report = 'Admin access without a password on GridLink Gateway 4.2.0';
    const toFirst = await gpg.run(['--armor', '--encrypt', '--recipient', first.fingerprint], report);
    expect(await decryptForPsirt(app.db.prisma, policy.passphrase, toFirst)).toEqual({
      text: report,
      fingerprint: first.fingerprint,
    });

    // A new key: published at once; the old one still decrypts during the overlap…
    const second = await generatePsirtKey(app.db.prisma, policy);
    expect((await currentPublicKey(app.db.prisma))?.fingerprint).toBe(second.fingerprint);
    expect(await (await fetch(`${app.origin}/pgp-key.asc`)).text()).toBe(second.armored);
    expect((await decryptForPsirt(app.db.prisma, policy.passphrase, toFirst)).fingerprint).toBe(first.fingerprint);
    // …and not after it.
    const later = new Date(Date.now() + 31 * 86_400_000);
    await expect(decryptForPsirt(app.db.prisma, policy.passphrase, toFirst, later)).rejects.toThrow(
      'The message is not encrypted to a key the PSIRT can use now.',
    );
    await gpg.run(['--import'], second.armored);
    const toSecond = await gpg.run(['--armor', '--encrypt', '--recipient', second.fingerprint], 'hello');
    expect((await decryptForPsirt(app.db.prisma, policy.passphrase, toSecond, later)).text).toBe('hello');

    // The stored private keys are encrypted with the passphrase.
    const rows = await app.db.prisma.psirtKey.findMany();
    for (const r of rows) expect(r.privateKey).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');
    await expect(decryptForPsirt(app.db.prisma, 'wrong passphrase', toSecond, later)).rejects.toThrow();
  });

  it('imports a key made by GnuPG, and refuses one that cannot encrypt or is garbage', async () => {
    using gpg = gpgHome();
    await gpg.run([
      '--passphrase',
      'gpg pass',
      '--pinentry-mode',
      'loopback',
      '--quick-gen-key',
      'Imported PSIRT <psirt@example.com>',
      'future-default',
      'default',
      '1y',
    ]);
    const exported = await gpg.run([
      '--passphrase',
      'gpg pass',
      '--pinentry-mode',
      'loopback',
      '--armor',
      '--export-secret-keys',
    ]);
    await expect(importPsirtKey(app.db.prisma, exported, undefined, policy)).rejects.toThrow('give its passphrase');
    await expect(importPsirtKey(app.db.prisma, exported, 'nope', policy)).rejects.toThrow('does not open this key');
    await expect(importPsirtKey(app.db.prisma, 'not a key', 'x', policy)).rejects.toThrow(
      'not an armoured OpenPGP private key',
    );
    const imported = await importPsirtKey(app.db.prisma, exported, 'gpg pass', policy);
    expect(fprOf(await gpg.run(['--with-colons', '--fingerprint']))).toBe(imported.fingerprint);
    const sent = await gpg.run(['--armor', '--encrypt', '--recipient', imported.fingerprint], 'via an imported key');
    expect((await decryptForPsirt(app.db.prisma, policy.passphrase, sent)).text).toBe('via an imported key');

    // A signing-only key is refused.
    await gpg.run([
      '--passphrase',
      '',
      '--pinentry-mode',
      'loopback',
      '--quick-gen-key',
      'Sign Only <s@example.com>',
      'ed25519',
      'sign',
      '1y',
    ]);
    const signOnly = await gpg.run([
      '--passphrase',
      '',
      '--pinentry-mode',
      'loopback',
      '--armor',
      '--export-secret-keys',
      's@example.com',
    ]);
    await expect(importPsirtKey(app.db.prisma, signOnly, undefined, policy)).rejects.toThrow(
      'no usable encryption subkey',
    );
  });

  it('signs each CSAF document with the current key: gpg verifies the .asc against the published key', async () => {
    const w = await makeWorld(app);
    const caseId = await readyCase(app, w, { cve: 'CVE-2026-40001' });
    await publishedAdvisory(app, w, caseId, { title: 'Signed advisory' });
    const current = await currentPublicKey(app.db.prisma);
    const meta = await (await fetch(`${app.origin}/.well-known/csaf/provider-metadata.json`)).json();
    expect(meta.public_openpgp_keys).toEqual([
      { fingerprint: current?.fingerprint, url: 'https://psirt.example.com/pgp-key.asc' },
    ]);
    const [file] = (await (await fetch(`${app.origin}/.well-known/csaf/white/index.txt`)).text()).trim().split('\n');
    const url = `${app.origin}/.well-known/csaf/white/${file}`;
    const feed = await (await fetch(`${app.origin}/.well-known/csaf/white/csaf-feed-tlp-white.json`)).json();
    expect(feed.feed.entry[0].link).toContainEqual({
      rel: 'signature',
      href: `https://psirt.example.com/.well-known/csaf/white/${file}.asc`,
    });

    const doc = Buffer.from(await (await fetch(url)).arrayBuffer());
    const sigRes = await fetch(`${url}.asc`);
    expect(sigRes.headers.get('content-type')).toBe('application/pgp-signature');
    const signature = await sigRes.text();
    expect(signature).toContain('-----BEGIN PGP SIGNATURE-----');
    // Served the same while the document is.
    expect(await (await fetch(`${url}.asc`)).text()).toBe(signature);
    // The advisory page links the signature and the key to check it with.
    const [sa] = (await (await fetch(`${app.origin}/advisories`)).text()).match(/SA-\d{4}-\d{4}/) ?? [];
    const html = await (await fetch(`${app.origin}/advisories/${sa}`)).text();
    expect(html).toContain(`<a href="/.well-known/csaf/white/${file}.asc">OpenPGP signature</a>`);
    expect(html).toContain('<a href="/pgp-key.asc">The PSIRT\'s OpenPGP key</a>');

    using gpg = gpgHome();
    await gpg.run(['--import'], await (await fetch(`${app.origin}/pgp-key.asc`)).text());
    const dir = path.join(tmpdir(), `psirt-csaf-${Date.now()}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'doc.json'), doc);
    writeFileSync(path.join(dir, 'doc.json.asc'), signature);
    await gpg.run(['--verify', path.join(dir, 'doc.json.asc'), path.join(dir, 'doc.json')]);
    // A changed byte fails verification.
    writeFileSync(path.join(dir, 'doc.json'), Buffer.concat([doc, Buffer.from(' ')]));
    await expect(gpg.run(['--verify', path.join(dir, 'doc.json.asc'), path.join(dir, 'doc.json')])).rejects.toThrow(
      /BAD signature/,
    );
  });

  it('checks a reporter’s public key on receipt: kept with its fingerprint, or refused saying why', async () => {
    using gpg = gpgHome();
    const gen = (uid: string, algo: string, usage: string, expire: string, extra: string[] = []) =>
      gpg.run([
        ...extra,
        '--passphrase',
        '',
        '--pinentry-mode',
        'loopback',
        '--quick-gen-key',
        uid,
        algo,
        usage,
        expire,
      ]);
    await gen('Rhea <rhea@lab.example>', 'future-default', 'default', '1y');
    await gen('Old <old@lab.example>', 'future-default', 'default', '1d', ['--faked-system-time', '20240101T000000']);
    await gen('Signer <signer@lab.example>', 'ed25519', 'sign', '1y');
    const exportKey = (who: string) => gpg.run(['--armor', '--export', who]);
    const SUBMIT_KEY = `mutation($input: SubmitVulnerabilityReportInput!) { submitVulnerabilityReport(input: $input) { publicId } }`;
    const submit = (pgpPublicKey: string) =>
      app.anonymous.gql(SUBMIT_KEY, {
        input: {
          title: 'Encrypted replies, please',
          description: 'Details to follow over an encrypted channel.',
          reporter: { email: 'rhea@lab.example', pgpPublicKey },
        },
      });

    const ok = await submit(await exportKey('rhea@lab.example'));
    expect(ok.errors).toBeUndefined();
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(
      await gpg.run(['--with-colons', '--fingerprint', 'rhea@lab.example']),
    )?.[1];
    const reporter = await app.db.prisma.reporter.findFirst({
      where: { reports: { some: { publicId: ok.data?.submitVulnerabilityReport.publicId } } },
    });
    expect(reporter?.pgpFingerprint).toBe(fingerprint);

    const refusals = [
      [await exportKey('old@lab.example'), 'the key expired on 2024-01-02'],
      [await exportKey('signer@lab.example'), 'the key cannot encrypt'],
      ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----', 'not a readable'],
    ] as const;
    for (const [key, why] of refusals) {
      const res = await submit(key);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'input.reporter.pgpPublicKey' });
      expect(res.errors?.[0]?.message).toContain(why);
    }
  });
});
