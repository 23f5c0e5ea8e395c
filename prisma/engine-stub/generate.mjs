// `prisma generate` without Prisma's native engines (see ARCHITECTURE.md):
// point PRISMA_SCHEMA_ENGINE_BINARY at the stub beside this file so the CLI
// finds "an engine" and never tries to download one, then generate the client
// (prisma-client generator, query compiler in Wasm) and the Pothos types.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const res = spawnSync(
  process.execPath,
  [path.join(pkg, 'node_modules', 'prisma', 'build', 'index.js'), 'generate', '--schema', 'schema.prisma'],
  {
    cwd: pkg,
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: path.join(here, 'schema-engine'),
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
      PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
    },
  },
);
process.exit(res.status ?? 1);
