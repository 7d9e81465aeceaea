/** The process logger (pino). Never use console: every line is structured and carries its context. */
import { pino, type Logger } from 'pino';
import type { Config } from '../config.js';

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({
    name,
    level: config.LOG_LEVEL,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.access_token', '*.password'], censor: '[redacted]' },
  });
}
