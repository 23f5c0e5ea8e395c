// `psirt keys show|generate|import`: the PSIRT's OpenPGP key.
import { DomainError } from '@psirt/schema';
import type { Command } from 'commander';
import { keyPolicy } from '../../config.ts';
import { type CliRuntime, readCallerFile } from '../runtime.ts';

export function keyCommands(program: Command, rt: CliRuntime) {
  const keys = program.command('keys').description('The PSIRT OpenPGP key (published at /pgp-key.asc)');

  keys
    .command('show')
    .description('Print the current public key and its fingerprint.')
    .action(() =>
      rt.withDatabase(async ({ prisma }) => {
        const { currentPublicKey } = await import('../../services/keys.ts');
        const key = await currentPublicKey(prisma);
        if (!key)
          throw new DomainError('NOT_FOUND', 'no PSIRT key yet: psirt keys generate, or psirt keys import <file>');
        rt.out(`fingerprint ${key.fingerprint} (since ${key.createdAt.toISOString()})`);
        rt.out(key.armored.trim());
      }),
    );

  keys
    .command('generate')
    .description(
      'Generate a new key and make it current; the previous one keeps decrypting for PSIRT_KEY_OVERLAP_DAYS.',
    )
    .action(() =>
      rt.withDatabase(async ({ prisma }, config) => {
        const { generatePsirtKey } = await import('../../services/keys.ts');
        const key = await generatePsirtKey(prisma, keyPolicy(config));
        rt.out(`generated ${key.fingerprint}; it is now the current key`);
      }),
    );

  keys
    .command('import')
    .description('Import an armoured private key (e.g. from gpg --armor --export-secret-keys) and make it current.')
    .argument('<file>', 'the armoured private key')
    .option('--passphrase-file <file>', "the key's own passphrase, if it has one")
    .action(async (file: string, opts: { passphraseFile?: string }) => {
      const armored = (await readCallerFile(rt, file)).toString('utf8');
      const secret = opts.passphraseFile
        ? (await readCallerFile(rt, opts.passphraseFile)).toString('utf8').trim()
        : undefined;
      return rt.withDatabase(async ({ prisma }, config) => {
        const { importPsirtKey } = await import('../../services/keys.ts');
        const key = await importPsirtKey(prisma, armored, secret, keyPolicy(config));
        rt.out(`imported ${key.fingerprint}; it is now the current key`);
      });
    });
}
