/**
 * Setup file of the integration project: every test file gets a database of its own, cloned from the
 * run's freshly migrated one (global setup; nothing else ever connects to that template) and dropped
 * when the file is done.
 *
 * Why per file, when each harness already has its own Redis prefix: the expiry scheduler's sweeps
 * (expired holdings, stock revisits) read every basket in their database and enqueue the work into
 * their own process's lanes, under their own prefix. Two files running side by side in one database
 * took each other's sweeps: the other file's worker changed the basket in PostgreSQL while this file's
 * snapshot cache kept serving the older version, so a flash or a released hold never showed (the
 * stock-truth tests failed this way whenever they overlapped a file running a scheduler). Worker
 * processes that tests start run the scheduler too.
 */
import pg from 'pg';
import { afterAll, inject } from 'vitest';

const server = inject('serverDatabaseUrl');
const template = new URL(inject('templateDatabaseUrl'));
const templateName = decodeURIComponent(template.pathname.slice(1));
const name = `${templateName}_f${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

async function onServer(statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

// Two files cloning at once is fine; a clone only fails while a session is connected to the template
// (none should be): retried briefly rather than failing the file on a passing one.
for (let attempt = 1; ; attempt++) {
  try {
    await onServer(`create database "${name}" template "${templateName}"`);
    break;
  } catch (err) {
    if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err;
    await new Promise((r) => setTimeout(r, 250));
  }
}
const url = new URL(template);
url.pathname = `/${name}`;
process.env.TEST_FILE_DATABASE_URL = url.toString();

// Registered first, so it runs after the file's own afterAll hooks (they close their pools first).
afterAll(async () => {
  await onServer(`drop database if exists "${name}" with (force)`);
});
