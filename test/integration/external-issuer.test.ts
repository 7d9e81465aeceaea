/**
 * Shopper tokens of an external issuer (SLAS-shaped claims), verified through its JWKS: a local JWKS
 * server on loopback publishes the keys this test signs with (ES256 and RS256). The PWA Kit sequence
 * runs with those tokens; forged, expired, foreign and unknown-key tokens are refused; keys are cached
 * and a rotated key is picked up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { startHarness, type Harness } from '../support/harness.js';
import { runStorefrontFlow, storefrontSite, type FlowSetup } from '../support/pwa-kit-flow.js';

const ISS = 'slas/prod/zzrf_001';
const AUD = 'commercecloud/prod/zzrf_001';
const JWKS_PATH = '/shopper/auth/v1/organizations/f_ecom_zzrf_001/oauth2/jwks';

interface SigningKey {
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function newKey(alg: 'ES256' | 'RS256'): SigningKey {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: `${alg}-${randomUUID()}`, alg, ...pair };
}

/** The keys the JWKS server publishes now (tests rotate them), and how often it was asked. */
const published: SigningKey[] = [];
let fetches = 0;
let jwksServer: Server;
let h: Harness;
let setup: FlowSetup;
const es = newKey('ES256');
const rs = newKey('RS256');

function sign(key: SigningKey, claims: Record<string, unknown>, opts: { iss?: string; aud?: string; expiresIn?: number | null } = {}): string {
  const signer = createSigner({
    key: key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    algorithm: key.alg,
    kid: key.kid,
    ...(opts.expiresIn === null ? {} : { expiresIn: opts.expiresIn ?? 30 * 60_000 }),
  });
  return signer({ iss: opts.iss ?? ISS, aud: opts.aud ?? AUD, ...claims });
}

/** SLAS-shaped claims (see src/auth/external-issuer.ts). */
const usid = () => randomUUID();
const guestClaims = (gcid: string) => ({ sub: `cc-slas::zzrf_001::scid:client::usid:${usid()}`, isb: `uido:slas::upn:Guest::uidn:Guest User::gcid:${gcid}::chid:RefArch`, sty: 'User' });
const registeredClaims = (gcid: string, rcid: string) => ({
  sub: `cc-slas::zzrf_001::scid:client::usid:${usid()}`,
  isb: `uido:ecom::upn:ada@example.com::uidn:Ada Lovelace::gcid:${gcid}::rcid:${rcid}::chid:RefArch`,
  sty: 'User',
});

beforeAll(async () => {
  published.push(es, rs);
  jwksServer = createServer((req, res) => {
    if (req.url !== JWKS_PATH) return res.writeHead(404).end();
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: published.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg, use: 'sig' })) }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}${JWKS_PATH}`;
  h = await startHarness({ EXTERNAL_JWT_ISSUER: ISS, EXTERNAL_JWT_AUDIENCE: AUD, EXTERNAL_JWT_JWKS_URL: jwksUrl });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  setup = await storefrontSite(h, `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

const getBaskets = (token: string | null, customerId: string, extra: Record<string, string> = {}) =>
  h.app.inject({
    method: 'GET',
    url: `/customer/shopper-customers/v1/organizations/f_ecom_zzrf_001/customers/${customerId}/baskets?siteId=${setup.siteId}`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
  });

describe('external issuer (JWKS)', () => {
  it("runs PWA Kit's whole sequence with SLAS tokens: guests on ES256, the signed-in shopper on RS256", async () => {
    const g1 = `gcid-${h.tag}-1`;
    const g2 = `gcid-${h.tag}-2`;
    const r = `rcid-${h.tag}`;
    await runStorefrontFlow(setup, {
      guest: { token: sign(es, guestClaims(g1)), customerId: g1 },
      registered: { token: sign(rs, registeredClaims(g1, r)), customerId: r },
      secondGuest: { token: sign(es, guestClaims(g2)), customerId: g2 },
      registeredAfterSecond: { token: sign(rs, registeredClaims(g2, r)), customerId: r },
    });
  });

  it.each([
    ['another audience', () => sign(es, guestClaims('x'), { aud: 'commercecloud/prod/other' })],
    ['an expired token', () => sign(es, guestClaims('x'), { expiresIn: -60_000 })],
    ['no exp', () => sign(es, guestClaims('x'), { expiresIn: null })],
    // Bounded like this service's own tokens (JWT_MAX_LIFETIME_SECONDS): a token minted to live too long.
    ['a lifetime beyond JWT_MAX_LIFETIME_SECONDS', () => sign(es, guestClaims('x'), { expiresIn: (h.config.JWT_MAX_LIFETIME_SECONDS + 3600) * 1000 })],
    ['a key the issuer never published (same kid)', () => sign({ ...newKey('ES256'), kid: es.kid }, guestClaims('x'))],
    ['an unknown kid', () => sign(newKey('RS256'), guestClaims('x'))],
    ['another issuer', () => sign(es, guestClaims('x'), { iss: 'slas/prod/someone-else' })],
    ['an HS256 token claiming the issuer', () => createSigner({ key: 'a-guessed-secret-of-some-length', algorithm: 'HS256', expiresIn: 60_000 })({ iss: ISS, aud: AUD, ...guestClaims('x') })],
    ['a token naming no customer', () => sign(es, { sub: 'cc-slas::zzrf_001::scid:c::usid:u', isb: 'uido:slas::upn:Guest::chid:RefArch' })],
  ])('refuses %s with 401', async (_name, token) => {
    const r = await getBaskets(token(), 'x');
    expect(r.statusCode, r.body).toBe(401);
    expect(r.json()).toEqual(expect.objectContaining({ title: expect.any(String), type: expect.any(String) }));
  });

  it('keeps this service’s own HS256 tokens working beside it', async () => {
    const r = await getBaskets(h.tokens.sign(`own-${h.tag}`), `own-${h.tag}`);
    expect([r.statusCode, r.json().total]).toEqual([200, 0]);
  });

  it('caches keys (one fetch for many requests) and picks up a rotated key', async () => {
    const gcid = `gcid-${h.tag}-cache`;
    const before = fetches;
    for (let i = 0; i < 5; i++) {
      // Each a fresh token (new usid): the key, not the verified token, is what is cached.
      expect((await getBaskets(sign(es, guestClaims(gcid)), gcid)).statusCode).toBe(200);
    }
    expect(fetches - before).toBeLessThanOrEqual(1);
    // Rotation: the issuer publishes a new key and signs with it.
    const next = newKey('ES256');
    published.push(next);
    const rotated = await getBaskets(sign(next, guestClaims(gcid)), gcid);
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(fetches - before).toBeGreaterThanOrEqual(1);
  });
});
