import { describe, expect, it } from 'vitest';
import { laneBullPrefix, laneOf } from '../../src/queue/lanes.js';
import { decimal, stringifyWithDecimals } from '../../src/api/json.js';
import { idempotentMutationId, lineItemId } from '../../src/application/ids.js';
import { loadConfig } from '../../src/config.js';
import { randomUUID } from 'node:crypto';
import { replyText } from '../../src/queue/reply-channel.js';
import type { MutationOutcome } from '../../src/contracts/mutation-job.js';

describe('laneOf', () => {
  it('is stable and spreads baskets over every lane', () => {
    const counts = new Array(64).fill(0);
    for (let i = 0; i < 64_000; i++) counts[laneOf(randomUUID(), 64)]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
    expect(laneOf('7b0c3a55-0000-4000-8000-000000000000', 64)).toBe(laneOf('7b0c3a55-0000-4000-8000-000000000000', 64));
  });
});

describe('replyText', () => {
  it('splices a snapshot rendered once into the reply, the same text JSON.stringify makes', () => {
    const snapshot = { id: 'b1', pk: 7, version: 3, lines: [{ sku: 'A', quantity: 2, price: '1.50' }], note: 'a "quoted" \u2028 text' };
    const applied = { status: 'applied', mutationId: 'm1', basketId: 'b1', version: 3, snapshot } as unknown as MutationOutcome;
    expect(replyText(applied, JSON.stringify(snapshot))).toBe(JSON.stringify(applied));
    expect(JSON.parse(replyText(applied, JSON.stringify(snapshot)))).toEqual(applied);
    expect(replyText(applied)).toBe(JSON.stringify(applied));
    const rejected: MutationOutcome = { status: 'rejected', mutationId: 'm2', basketId: 'b1', version: 3, error: { code: 'x', message: 'y' } };
    expect(replyText(rejected, '{"ignored":true}')).toBe(JSON.stringify(rejected));
  });
});

describe('laneBullPrefix', () => {
  it('gives each lane its own Redis Cluster hash tag', () => {
    expect(laneBullPrefix('basket', 7)).toBe('basket:{lane-7}');
    expect(laneBullPrefix('basket', 7)).not.toBe(laneBullPrefix('basket', 8));
  });
});

describe('stringifyWithDecimals', () => {
  it('writes decimals as JSON numbers of exactly their text', () => {
    expect(stringifyWithDecimals({ a: decimal('120.00'), b: [decimal('0.1')], c: 'x', d: decimal(null) })).toBe('{"a":120.00,"b":[0.1],"c":"x","d":null}');
    expect(stringifyWithDecimals({ big: decimal('12345678901234567890.123') })).toBe('{"big":12345678901234567890.123}');
  });
  it('refuses anything that is not a decimal', () => {
    expect(() => decimal('1e5')).toThrow();
  });
});

describe('ids', () => {
  it('maps the same caller and Idempotency-Key to the same mutation id, and others apart', () => {
    const a = idempotentMutationId('c1', 'k');
    expect(a).toBe(idempotentMutationId('c1', 'k'));
    expect(a).not.toBe(idempotentMutationId('c2', 'k'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('gives a replayed mutation the same line ids', () => {
    expect(lineItemId('m', 0)).toBe(lineItemId('m', 0));
    expect(lineItemId('m', 0)).not.toBe(lineItemId('m', 1));
  });
});

describe('loadConfig', () => {
  it('has working defaults and flags dev secrets', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', LANES: 64, SYNC_WAIT_MS: 5000, RESERVATION_TTL_SECONDS: 600 });
    expect(c.usingDevSecrets).toEqual({ jwt: true, admin: true });
  });
  it('refuses bad values with a readable message', () => {
    expect(() => loadConfig({ LANES: '0' })).toThrow(/LANES/);
    expect(() => loadConfig({ PORT: 'http' })).toThrow(/PORT/);
  });
  it('reads REDIS_CLUSTER_NODES as seed nodes (blank: standalone) and refuses a malformed entry', () => {
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toEqual([]);
    expect(loadConfig({ REDIS_CLUSTER_NODES: ' ' }).REDIS_CLUSTER_NODES).toEqual([]);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis-a:7000, 10.0.0.2:7001,[::1]:7002' }).REDIS_CLUSTER_NODES).toEqual([
      { host: 'redis-a', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-a' })).toThrow(/REDIS_CLUSTER_NODES: expected host:port, got 'redis-a'/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-a:99999' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(loadConfig({}).LANE_WATCHDOG_MS).toBe(10_000);
    expect(() => loadConfig({ LANE_WATCHDOG_MS: '10' })).toThrow(/LANE_WATCHDOG_MS/);
  });
});

describe('SCAPI spelling', () => {
  it('maps keys both ways but leaves custom properties and their values alone', async () => {
    const { toOcapiBody, toScapiDocument, toScapiPath } = await import('../../src/api/scapi/spelling.js');
    expect(
      toOcapiBody({ paymentCard: { cardType: 'Visa', expirationMonth: 1 }, address1: 'x', c_meta: { giftWrap: true, some_key: [{ innerKey: 1 }] } }),
    ).toEqual({
      payment_card: { card_type: 'Visa', expiration_month: 1 },
      address1: 'x',
      c_meta: { giftWrap: true, some_key: [{ innerKey: 1 }] },
    });
    expect(toScapiDocument({ _v: '23.2', _type: 'basket', product_items: [{ price_after_order_discount: 1, c_meta: { some_key: 1 } }] })).toEqual({
      productItems: [{ priceAfterOrderDiscount: 1, c_meta: { some_key: 1 } }],
    });
    expect(toScapiPath('/baskets/:basket_id/shipments/:shipment_id/shipping_address')).toBe('/baskets/:basketId/shipments/:shipmentId/shipping-address');
  });
});

describe('If-None-Match', () => {
  it('reads the newest version a list names (a read must not serve older) and matches * or any listed tag', async () => {
    const { ifNoneMatchVersion, notModified } = await import('../../src/api/http.js');
    const req = (h?: string) => ({ headers: h === undefined ? {} : { 'if-none-match': h } }) as never;
    expect(ifNoneMatchVersion(req('"2", W/"3"'))).toBe(3);
    expect(ifNoneMatchVersion(req('*'))).toBeNull();
    expect(ifNoneMatchVersion(req())).toBeNull();
    expect(notModified(req('"1", "2"'), 2)).toBe(true);
    expect(notModified(req('"1", "2"'), 3)).toBe(false);
    expect(notModified(req('*'), 7)).toBe(true);
  });
});
