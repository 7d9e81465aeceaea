/** Who an external (SLAS) token names: the claim layout commerce-sdk-react's parseSlasJWT reads too. */
import { describe, expect, it } from 'vitest';
import { shopperOf } from '../../src/auth/external-issuer.js';

describe('shopperOf', () => {
  it.each([
    ['a SLAS guest: gcid', { isb: 'uido:slas::upn:Guest::uidn:Guest User::gcid:G1::chid:RefArch' }, { sub: 'G1', role: 'customer' }],
    ['a registered shopper: rcid, signed in from guest gcid', { isb: 'uido:ecom::upn:ada@example.com::uidn:Ada L::gcid:G1::rcid:R1::chid:RefArch' }, { sub: 'R1', role: 'customer', guestSub: 'G1' }],
    ['an external-IdP shopper (uido other than ecom)', { isb: 'uido:google::upn:ada@example.com::uidn:Ada::gcid:G2::rcid:R2::chid:RefArch' }, { sub: 'R2', role: 'customer', guestSub: 'G2' }],
    ['an agent acting for a shopper stays that shopper (never the agent role)', { isb: 'uido:ecom::upn:ada@example.com::uidn:Ada::gcid:G3::rcid:R3::chid:RefArch::agent:clerk@example.com' }, { sub: 'R3', role: 'customer', guestSub: 'G3' }],
    ['a token without isb: its sub', { sub: 'auth0|123' }, { sub: 'auth0|123', role: 'customer' }],
  ])('%s', (_name, claims, principal) => {
    expect(shopperOf(claims)).toEqual(principal);
  });

  it.each([
    ['isb without a customer id', { isb: 'uido:slas::upn:Guest::chid:RefArch' }],
    ['a registered isb without rcid or gcid', { isb: 'uido:ecom::upn:ada@example.com::chid:RefArch' }],
    ['no isb and no sub', {}],
    ['an overlong id', { sub: 'x'.repeat(256) }],
  ])('names nobody for %s', (_name, claims) => {
    expect(shopperOf(claims)).toBeNull();
  });
});
