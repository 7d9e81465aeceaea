/**
 * Which infrastructure errors are worth retrying: the database or Redis being briefly unreachable,
 * serialization failures, deadlocks, and a concurrent run of the same mutation (its version guard or
 * its record's primary key trips; the retry then sees the record and answers as a duplicate).
 */
const TRANSIENT_PG_CODES = new Set(['40001', '40P01', '53300', '57P01', '57P02', '57P03', '55P03', '57014', '08000', '08001', '08003', '08004', '08006']);
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function isTransientError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  if (typeof e.code === 'string') {
    if (TRANSIENT_PG_CODES.has(e.code) || TRANSIENT_NODE_CODES.has(e.code)) return true;
    if (e.code === '23505' && e.constraint === 'mutations_pkey') return true;
    if (e.code === 'concurrent_modification') return true;
  }
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}
