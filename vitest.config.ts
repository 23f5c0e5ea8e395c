import { defineConfig } from 'vitest/config';

// One root config; each package is a project. Integration suites live in tests/.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'schema', root: 'schema', include: ['src/**/*.test.ts'] } },
      { test: { name: 'db', root: 'prisma', include: ['src/**/*.test.ts'], testTimeout: 60_000 } },
      { test: { name: 'api', root: 'api', include: ['src/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'e2e',
          root: 'tests',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
