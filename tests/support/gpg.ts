// GnuPG as the peer: a throwaway GNUPGHOME and the real `gpg` command.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const gpgAvailable = await new Promise<boolean>((resolve) =>
  execFile('gpg', ['--version'], (error) => resolve(!error)),
);

export interface Gpg {
  /** Runs gpg with this home; resolves with stdout (rejects with stderr). */
  run(args: string[], input?: string): Promise<string>;
  [Symbol.dispose](): void;
}

export function gpgHome(): Gpg {
  const home = mkdtempSync(path.join(tmpdir(), 'psirt-gpg-'));
  return {
    run: (args, input) =>
      new Promise((resolve, reject) => {
        const child = execFile(
          'gpg',
          ['--homedir', home, '--batch', '--yes', '--no-tty', '--trust-model', 'always', ...args],
          { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) =>
            error ? reject(new Error(`gpg ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
        );
        if (input !== undefined) child.stdin?.end(input);
      }),
    [Symbol.dispose]: () => rmSync(home, { recursive: true, force: true }),
  };
}
