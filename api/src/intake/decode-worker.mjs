// The mail decoder's worker thread (decoder.ts): TypeScript through tsx, as the CLI runs.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
