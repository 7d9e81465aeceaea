/** `npm run migrate`: creates the database if missing and applies pending migrations, then exits. */
import { loadConfig } from '../config.js';
import { createLogger } from '../bootstrap/logger.js';
import { createDatabase } from '../persistence/database.js';
import { prepareDatabase } from '../bootstrap/resources.js';

const config = loadConfig();
const db = createDatabase(config.DATABASE_URL, 1);
try {
  await prepareDatabase(config, db, createLogger(config, 'migrate'));
} finally {
  await db.destroy();
}
