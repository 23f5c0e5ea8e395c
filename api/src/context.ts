import type { Db } from '@psirt/db';
import type { Viewer } from './auth.ts';
import type { Logger } from './logger.ts';

/**
 * The GraphQL context. The Prisma client is in it (rather than imported) because
 * one process may serve several databases: the test suites run many apps side by
 * side, each on its own isolated database.
 */
export interface Context {
  viewer: Viewer;
  db: Db;
  log: Logger;
  requestId: string;
}
