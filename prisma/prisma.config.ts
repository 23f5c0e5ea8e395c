// Prisma CLI configuration. Only `prisma generate` is run through the CLI;
// migrations go through the Wasm schema engine (src/migrate.ts).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
});
