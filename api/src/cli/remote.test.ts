import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { startAdminChannel } from './remote.ts';

const root = mkdtempSync(path.join(tmpdir(), 'psirt-remote-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the admin channel’s socket', () => {
  it('lives in the data directory, or for a long path in a private temp directory removed when it closes', async () => {
    const open = (dataDir: string) =>
      startAdminChannel({
        dataDir,
        database: {} as never,
        config: {} as never,
        log: createLogger('silent'),
        maxBytes: 1024,
      });
    const short = path.join(root, 'short');
    mkdirSync(short);
    const near = await open(short);
    expect(near.socket).toBe(path.join(short, 'run', 'admin.sock'));
    await near.close();
    expect(existsSync(near.socket)).toBe(false);
    expect(existsSync(path.join(short, 'run'))).toBe(true);

    const long = path.join(root, 'd'.repeat(120));
    mkdirSync(long);
    const far = await open(long);
    expect(far.socket.startsWith(path.join(tmpdir(), 'psirt-'))).toBe(true);
    expect(existsSync(far.socket)).toBe(true);
    await far.close();
    expect(existsSync(path.dirname(far.socket))).toBe(false);
  });
});
