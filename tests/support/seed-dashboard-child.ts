// Seeds the dashboard workload into a PostgreSQL database from a process of
// its own (the api bench's soak): the server measured then does not carry the
// memory of writing tens of thousands of rows. Argument: the database URL, the
// number of cases to add. Prints "seeded" when done.
import { openDatabase } from '@psirt/db';
import { seedDashboard } from './dashboard.ts';

const [url, cases] = process.argv.slice(2);
if (!url || !cases) throw new Error('usage: seed-dashboard-child.ts <postgres url> <cases>');
const db = await openDatabase({ kind: 'postgres', url });
try {
  await seedDashboard(db.prisma, Number(cases));
} finally {
  await db.close();
}
process.stdout.write('seeded\n');
