#!/usr/bin/env node
// `npm run bench -- <name> [options]`: runs tests/bench/<name>.ts through tsx.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || !existsSync(path.join(here, `${name}.ts`))) {
  process.stderr.write(
    `usage: npm run bench -- <${available.join('|')}> [--help]\n${name && name !== '--help' ? `unknown benchmark "${name}"\n` : ''}`,
  );
  process.exit(name === '--help' ? 0 : 2);
}
process.argv = [process.argv[0], name, ...rest];
// Measured as it is deployed: graphql-js skips its development checks, Pothos its warnings.
process.env.NODE_ENV ??= 'production';
register();
await import(`./${name}.ts`);
