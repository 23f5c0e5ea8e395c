import { readFileSync } from 'node:fs';

/** psirt's version, as released (api/package.json). */
export const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
