import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One copy of graphql: vite would take its ESM entry while the packages Node
// loads (graphql-yoga, graphql-ws) get its CommonJS one, and then a GraphQLError
// from one copy is not an instance of the other's (Yoga answers SSE errors 500).
const graphqlMain = createRequire(new URL('./api/package.json', import.meta.url)).resolve('graphql');
const resolve = { alias: [{ find: /^graphql$/, replacement: graphqlMain }] };

// One root config; each package is a project. Integration suites live in tests/.
export default defineConfig({
  test: {
    // Vitest's default is one worker less than the cores: one file at a time on
    // a 2-core machine, where the end-to-end files mostly wait on child
    // processes, databases and sockets. Two at a time cut the PGlite suite by a third.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { test: { name: 'schema', root: 'schema', include: ['src/**/*.test.ts'] } },
      { test: { name: 'db', root: 'prisma', include: ['src/**/*.test.ts'], testTimeout: 60_000 } },
      { resolve, test: { name: 'api', root: 'api', include: ['src/**/*.test.ts'], testTimeout: 60_000 } },
      {
        resolve,
        test: {
          name: 'e2e',
          root: 'tests',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The files share a worker's loaded modules instead of loading the
          // API's module graph again each (import time 111 s → 29 s, the PGlite
          // suite 6.4 → 5.0 min). Each file starts its own app and database;
          // module-level state must not depend on there being one app per process.
          isolate: false,
        },
      },
    ],
  },
});
