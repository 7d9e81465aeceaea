/**
 * Who calls the Akinon dialect: a bearer JWT (the same tokens as OCAPI), else the guest session named by
 * the `osessionid` cookie. A guest's owner id is `session:<session id>`.
 *
 * Session ids are minted here: 16 random bytes (128 bits, Django's session keys carry less) as 32 hex
 * digits. The cookie carries the session id, when it was issued and a 96-bit HMAC of both under a key
 * derived from JWT_SECRET: `<session id>_<issued, unix seconds>_<mac, hex>`, word characters only (so
 * storefront code that finds it with `/osessionid=\w+/`, as @akinon/next's does, reads it whole). A cookie older than the
 * session lifetime is no session at all; one older than the rotation interval is re-issued on use (a new
 * cookie value with the current time, for the same session, so the basket stays), so a cookie in use
 * keeps living while one left alone dies. Rotation is stateless: a superseded cookie value still works
 * until its own lifetime ends (there is no server-side list to revoke it from). A cookie of the format
 * before lifetimes (40 base64url characters: random and MAC) still names its session, taken as issued
 * long ago: it is re-issued in the new format on first use, for the same session id (and basket), so
 * such a session keeps its base64url id (not word characters only) until it ends.
 *
 * A presented cookie that is not one we minted (garbage, truncated, forged, expired, or from another
 * secret) is not refused: like Django, which ignores an unknown session key, we start a fresh session.
 * So nobody can pick a session id for someone else (no session fixation by inventing ids), and a broken
 * cookie never locks a shopper out. A fresh session's cookie is set only if the request succeeds: a
 * refused request starts no session.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { TokenService } from '../../auth/tokens.js';
import type { Role } from '../../contracts/mutation-job.js';
import { bearerToken } from '../http.js';
import { AkinonError } from './errors.js';

export const SESSION_COOKIE = 'osessionid';
const RANDOM_BYTES = 16;
const MAC_BYTES = 12;
/** A session id of the format before lifetimes: 18 random bytes and a 12-byte MAC of them, base64url. */
const LEGACY_ID = /^[A-Za-z0-9_-]{24}[A-Za-z0-9_-]{16}$/;
/** `<session id>_<issued>_<mac>`; the id is 32 hex digits, or a former-format id carried over (fixed length, so its own `_`s are no separators). */
const COOKIE = /^([0-9a-f]{32}|[A-Za-z0-9_-]{40})_(\d{1,12})_([0-9a-f]{24})$/;

export interface AkinonCaller {
  /** Basket owner id: the token's `sub`, or `session:<session id>`. */
  readonly ownerId: string;
  readonly role: Role;
  /** Set when the caller is a guest. */
  readonly sessionId: string | null;
  /** A guest whose session this request started: it has no basket yet. */
  readonly fresh: boolean;
  /** The cookie to set if the request succeeds (a fresh session's, or a rotated one); null: none. */
  readonly setCookie: string | null;
}

export interface SessionPolicy {
  readonly ttlSeconds: number;
  readonly rotateSeconds: number;
  readonly now?: () => number;
}

export class SessionIds {
  private readonly key: Buffer;
  private readonly now: () => number;

  constructor(
    secret: string,
    readonly policy: SessionPolicy = { ttlSeconds: 1_209_600, rotateSeconds: 86_400 },
  ) {
    this.key = createHmac('sha256', secret).update('akinon-osessionid').digest();
    this.now = policy.now ?? Date.now;
  }

  private mac(text: string, bytes = MAC_BYTES): Buffer {
    return createHmac('sha256', this.key).update(text).digest().subarray(0, bytes);
  }

  /** A new session id (no cookie yet: see `cookieValue`). */
  mint(): string {
    return randomBytes(RANDOM_BYTES).toString('hex');
  }

  /** Whether `id` is a session id of the format before lifetimes that we minted. */
  private isLegacy(id: string): boolean {
    if (!LEGACY_ID.test(id)) return false;
    const random = id.slice(0, 24);
    const given = Buffer.from(id.slice(24), 'base64url');
    return given.length === MAC_BYTES && timingSafeEqual(given, this.mac(random));
  }

  /** The cookie value for session `id`, issued now. */
  cookieValue(id: string): string {
    const issued = Math.floor(this.now() / 1000);
    return `${id}_${issued}_${this.mac(`${id}_${issued}`).toString('hex')}`;
  }

  /**
   * The session a cookie value names, and whether it is due for re-issue; null when it names none
   * (not ours, tampered with, or past its lifetime).
   */
  read(value: string): { id: string; rotate: boolean } | null {
    if (this.isLegacy(value)) return { id: value, rotate: true };
    const m = COOKIE.exec(value);
    if (!m) return null;
    const given = Buffer.from(m[3]!, 'hex');
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, this.mac(`${m[1]}_${m[2]}`))) return null;
    const age = Math.floor(this.now() / 1000) - Number(m[2]);
    if (age >= this.policy.ttlSeconds || age < -300) return null;
    return { id: m[1]!, rotate: age >= this.policy.rotateSeconds };
  }

  /** The session named by the request's cookies (the first valid one), or null. */
  fromCookies(header: string | undefined): { id: string; rotate: boolean } | null {
    for (const value of cookieValues(header, SESSION_COOKIE)) {
      const session = this.read(value);
      if (session) return session;
    }
    return null;
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

export function sessionCookie(value: string, maxAgeSeconds: number, secure = false): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/**
 * The caller. A bearer token that does not verify is a 401 (DRF's "Invalid token."); an Authorization
 * header of another scheme is ignored, as DRF ignores schemes it has no authenticator for. A guest
 * without a valid session cookie gets a new session (its cookie is set by the caller if the request succeeds).
 */
export function identify(req: FastifyRequest, tokens: TokenService, sessions: SessionIds): AkinonCaller {
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string' && /^\s*bearer(\s|$)/i.test(authorization)) {
    const token = bearerToken(req);
    const principal = token ? tokens.verify(token) : null;
    if (!principal) throw new AkinonError(401, { detail: 'Invalid token.' }, { 'www-authenticate': 'Bearer realm="api"' });
    return { ownerId: principal.sub, role: principal.role, sessionId: null, fresh: false, setCookie: null };
  }
  const cookie = (id: string) => sessionCookie(sessions.cookieValue(id), sessions.policy.ttlSeconds, secure(req));
  const presented = sessions.fromCookies(req.headers.cookie);
  if (presented) return { ownerId: `session:${presented.id}`, role: 'customer', sessionId: presented.id, fresh: false, setCookie: presented.rotate ? cookie(presented.id) : null };
  const minted = sessions.mint();
  return { ownerId: `session:${minted}`, role: 'customer', sessionId: minted, fresh: true, setCookie: cookie(minted) };
}

/** Whether the client reached us over HTTPS (directly or through a proxy that says so): the cookie is then `Secure`. */
function secure(req: FastifyRequest): boolean {
  const forwarded = req.headers['x-forwarded-proto'];
  return req.protocol === 'https' || (typeof forwarded === 'string' && forwarded.split(',')[0]!.trim().toLowerCase() === 'https');
}
