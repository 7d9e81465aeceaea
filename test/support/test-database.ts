/**
 * The database of the running test file: a clone of the run's freshly migrated database, made for this
 * file by `file-database.setup.ts` (see there why each file gets its own).
 */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_FILE_DATABASE_URL;
  if (!url) throw new Error('TEST_FILE_DATABASE_URL is not set: run integration tests through vitest (the integration project sets it up)');
  return url;
}
