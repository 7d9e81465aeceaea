/**
 * Who calls the Akinon dialect: a bearer JWT (the same tokens as OCAPI), else the guest session named by
 * the `osessionid` cookie. A guest's owner id is `session:<osessionid>`.
 *
 * Session ids are minted here: 18 random bytes (144 bits) and a 96-bit HMAC of them under a key derived
 * from JWT_SECRET, both base64url (40 URL-safe characters). A presented cookie that is not one we minted
 * (garbage, truncated, forged, or from another secret) is not refused: like Django, which ignores an
 * unknown session key, we mint a fresh session and set the cookie again. So nobody can pick a session
 * id for someone else (no session fixation by inventing ids), and a broken cookie never locks a
 * shopper out.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenService } from '../../auth/tokens.js';
import type { Role } from '../../contracts/mutation-job.js';
import { bearerToken } from '../http.js';
import { AkinonError } from './errors.js';

export const SESSION_COOKIE = 'osessionid';
const RANDOM_BYTES = 18;
const MAC_BYTES = 12;
const SESSION_ID = /^[A-Za-z0-9_-]{24}[A-Za-z0-9_-]{16}$/;

export interface AkinonCaller {
  /** Basket owner id: the token's `sub`, or `session:<osessionid>`. */
  readonly ownerId: string;
  readonly role: Role;
  /** Set when the caller is a guest. */
  readonly sessionId: string | null;
  /** A guest whose session this request minted: it has no basket yet. */
  readonly fresh: boolean;
}

export class SessionIds {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('akinon-osessionid').digest();
  }

  private mac(random: string): Buffer {
    return createHmac('sha256', this.key).update(random).digest().subarray(0, MAC_BYTES);
  }

  mint(): string {
    const random = randomBytes(RANDOM_BYTES).toString('base64url');
    return random + this.mac(random).toString('base64url');
  }

  isValid(id: string): boolean {
    if (!SESSION_ID.test(id)) return false;
    const random = id.slice(0, 24);
    const given = Buffer.from(id.slice(24), 'base64url');
    return given.length === MAC_BYTES && timingSafeEqual(given, this.mac(random));
  }
}

/** The values of every cookie named `name` in a Cookie header (RFC 6265 syntax; quoted values unquoted). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (typeof header !== 'string') return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.push(value);
  }
  return out;
}

export function sessionCookie(id: string, secure = false): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/**
 * The caller. A bearer token that does not verify is a 401 (DRF's "Invalid token."); an Authorization
 * header of another scheme is ignored, as DRF ignores schemes it has no authenticator for. A guest
 * without a valid session cookie gets a new session, set on the reply.
 */
export function identify(req: FastifyRequest, reply: FastifyReply, tokens: TokenService, sessions: SessionIds): AkinonCaller {
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string' && /^\s*bearer(\s|$)/i.test(authorization)) {
    const token = bearerToken(req);
    const principal = token ? tokens.verify(token) : null;
    if (!principal) throw new AkinonError(401, { detail: 'Invalid token.' }, { 'www-authenticate': 'Bearer realm="api"' });
    return { ownerId: principal.sub, role: principal.role, sessionId: null, fresh: false };
  }
  const presented = cookieValues(req.headers.cookie, SESSION_COOKIE).find((v) => sessions.isValid(v));
  if (presented) return { ownerId: `session:${presented}`, role: 'customer', sessionId: presented, fresh: false };
  const minted = sessions.mint();
  reply.header('set-cookie', sessionCookie(minted, secure(req)));
  return { ownerId: `session:${minted}`, role: 'customer', sessionId: minted, fresh: true };
}

/** Whether the client reached us over HTTPS (directly or through a proxy that says so): the cookie is then `Secure`. */
function secure(req: FastifyRequest): boolean {
  const forwarded = req.headers['x-forwarded-proto'];
  return req.protocol === 'https' || (typeof forwarded === 'string' && forwarded.split(',')[0]!.trim().toLowerCase() === 'https');
}
