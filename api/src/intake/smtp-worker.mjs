// The SMTP receiver's worker thread (smtp.ts): TypeScript through tsx, as the CLI runs.
import { register } from 'tsx/esm/api';

register();
await import('./smtp-worker.ts');
