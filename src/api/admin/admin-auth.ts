/** Admin identity: `Authorization: Bearer $ADMIN_TOKEN`, or HTTP Basic `admin:$ADMIN_TOKEN` for browsers. */
import type { FastifyRequest } from 'fastify';
import { secretMatches } from '../../auth/tokens.js';

export function isAdmin(req: FastifyRequest, adminToken: string): boolean {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return false;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (bearer) return secretMatches(bearer[1]!, adminToken);
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h);
  if (!basic) return false;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && decoded.slice(0, colon) === 'admin' && secretMatches(decoded.slice(colon + 1), adminToken);
}
