/**
 * Process lifecycle for the entry points in workers/: load config, warn about dev secrets, start the
 * pieces, and on SIGTERM/SIGINT stop taking work, let in-flight mutations finish, close connections,
 * and exit 0 within a bound.
 */
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from './logger.js';
import { createResources, prepareDatabase, type Resources } from './resources.js';

export interface Piece {
  close(): Promise<void>;
}

const SHUTDOWN_BOUND_MS = 25_000;

export async function runProcess(name: string, start: (config: Config, res: Resources, logger: Logger) => Promise<Piece[]>): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, name);
  if (config.usingDevSecrets.jwt) logger.warn('JWT_SECRET is the development default: set it in production');
  if (config.usingDevSecrets.admin) logger.warn('ADMIN_TOKEN is the development default: set it in production');
  const res = createResources(config, logger, name);
  let pieces: Piece[] = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, SHUTDOWN_BOUND_MS);
    timer.unref();
    // Stop in reverse start order: the API stops taking requests before the workers drain.
    for (const p of [...pieces].reverse()) await p.close().catch((err) => logger.error({ err }, 'close failed'));
    await res.close().catch((err) => logger.error({ err }, 'close failed'));
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await prepareDatabase(config, res.db, logger);
    pieces = await start(config, res, logger);
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await res.close().catch(() => undefined);
    process.exit(1);
  }
}
