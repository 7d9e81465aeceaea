import { describe, expect, it } from 'vitest';
import { Money } from '../../src/domain/money.js';
import { applyMutation, type FirstChange, type MutationCommand, type MutationContext } from '../../src/domain/mutations.js';
import type { Basket, CatalogEntry } from '../../src/domain/types.js';

const now = new Date('2026-11-23T10:00:00Z');
const entry = (sku: string, price: string | null = '1.00', online = true): CatalogEntry => ({
  sku, pk: 1, name: sku, taxRate: new Money('0.2'), online, image: null, price: price === null ? null : new Money(price), retailPrice: null,
});
const ctx = (over: Partial<MutationContext> = {}): MutationContext => ({
  basketId: 'b1', ownerId: 'o1', now, catalog: new Map([['a', entry('a')], ['b', entry('b')], ['off', entry('off', '1', false)], ['free', entry('free', null)]]),
  limits: { maxLineQuantity: 10, maxLines: 2 }, newItemId: (n) => `new-${n}`, siteCurrency: 'USD', ...over,
});
const created = (): Basket => {
  const r = applyMutation(null, { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} }, ctx());
  if (r.outcome !== 'applied') throw new Error('create failed');
  return r.basket;
};
const apply = (b: Basket, c: MutationCommand, over?: Partial<MutationContext>) => applyMutation(b, c, ctx(over));

describe('applyMutation', () => {
  it('creates version 1 in the site currency', () => {
    expect(created()).toMatchObject({ version: 1, currency: 'USD', status: 'active', lines: [], createdAt: now });
  });

  it('refuses to create a basket twice', () => {
    const r = applyMutation(created(), { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} }, ctx());
    expect(r).toMatchObject({ outcome: 'rejected', rejection: { code: 'basket_exists' } });
  });

  it('creates a basket with its first change (then): version 2 holds it; a refused change refuses the creation', () => {
    const create = (then: FirstChange): MutationCommand => ({ kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {}, then });
    const ok = applyMutation(null, create({ kind: 'add_items', items: [{ sku: 'a', quantity: 2 }] }), ctx());
    expect(ok).toMatchObject({ outcome: 'applied', basket: { version: 2, currency: 'USD', lines: [{ sku: 'a', quantity: 2 }] } });
    expect(applyMutation(null, create({ kind: 'add_items', items: [{ sku: 'x', quantity: 1 }] }), ctx())).toMatchObject({ outcome: 'rejected', rejection: { code: 'product_not_found' } });
    expect(applyMutation(null, create({ kind: 'set_product_quantity', sku: 'a', quantity: 0 }), ctx())).toMatchObject({ outcome: 'rejected', rejection: { code: 'item_not_found' } });
    expect(applyMutation(created(), create({ kind: 'empty_basket' }), ctx())).toMatchObject({ outcome: 'rejected', rejection: { code: 'basket_exists' } });
  });

  it('adds lines, merges a repeated SKU, and counts the version up by one', () => {
    const r = apply(created(), { kind: 'add_items', items: [{ sku: 'a', quantity: 2 }, { sku: 'a', quantity: 3 }, { sku: 'b', quantity: 1 }] });
    expect(r.outcome).toBe('applied');
    if (r.outcome !== 'applied') return;
    expect(r.basket.version).toBe(2);
    expect(r.basket.lines.map((l) => [l.itemId, l.sku, l.quantity, l.position])).toEqual([['new-0', 'a', 5, 0], ['new-1', 'b', 1, 1]]);
  });

  it.each([
    ['an unknown SKU', [{ sku: 'x', quantity: 1 }], 'product_not_found'],
    ['an offline SKU', [{ sku: 'off', quantity: 1 }], 'product_not_found'],
    ['an unpriced SKU', [{ sku: 'free', quantity: 1 }], 'product_without_price'],
    ['a sum over the per-line limit', [{ sku: 'a', quantity: 6 }, { sku: 'a', quantity: 5 }], 'quantity_limit_exceeded'],
  ] as const)('rejects %s whole', (_name, items, code) => {
    expect(apply(created(), { kind: 'add_items', items: [...items] })).toMatchObject({ outcome: 'rejected', rejection: { code } });
  });

  it('rejects a line past the line limit', () => {
    const b = apply(created(), { kind: 'add_items', items: [{ sku: 'a', quantity: 1 }, { sku: 'b', quantity: 1 }] });
    if (b.outcome !== 'applied') throw new Error();
    const r = apply(b.basket, { kind: 'add_items', items: [{ sku: 'c', quantity: 1 }] }, { catalog: new Map([['c', entry('c')]]) });
    expect(r).toMatchObject({ outcome: 'rejected', rejection: { code: 'line_limit_exceeded' } });
  });

  it('sets a quantity, removes at 0, and rejects unknown items', () => {
    const b = apply(created(), { kind: 'add_items', items: [{ sku: 'a', quantity: 1 }] });
    if (b.outcome !== 'applied') throw new Error();
    const set = apply(b.basket, { kind: 'set_item_quantity', itemId: 'new-0', quantity: 7 });
    expect(set.outcome === 'applied' && set.basket.lines[0]?.quantity).toBe(7);
    const zero = apply(b.basket, { kind: 'set_item_quantity', itemId: 'new-0', quantity: 0 });
    expect(zero.outcome === 'applied' && zero.basket.lines).toEqual([]);
    expect(apply(b.basket, { kind: 'remove_item', itemId: 'zzz' })).toMatchObject({ outcome: 'rejected', rejection: { code: 'item_not_found' } });
    expect(apply(b.basket, { kind: 'set_item_quantity', itemId: 'new-0', quantity: 11 })).toMatchObject({ outcome: 'rejected', rejection: { code: 'quantity_limit_exceeded' } });
  });

  it('deletes a basket and refuses any change after that', () => {
    const d = apply(created(), { kind: 'delete_basket' });
    if (d.outcome !== 'applied') throw new Error();
    expect(d.basket.status).toBe('deleted');
    expect(apply(d.basket, { kind: 'add_items', items: [{ sku: 'a', quantity: 1 }] })).toMatchObject({ outcome: 'rejected', rejection: { code: 'basket_not_found' } });
  });

  it('updates custom properties and source_code, refusing a stale expected version or another currency', () => {
    const b = created();
    const r = apply({ ...b, custom: { c_a: 1, c_b: 2 } }, { kind: 'update_basket', sourceCode: 'X', custom: { c_a: null, c_c: 3 }, expectedVersion: 1 });
    expect(r).toMatchObject({ outcome: 'applied', basket: { version: 2, sourceCode: 'X', custom: { c_b: 2, c_c: 3 } } });
    expect(apply(b, { kind: 'update_basket', custom: {}, expectedVersion: 0 })).toMatchObject({ outcome: 'rejected', rejection: { code: 'resource_state_conflict' } });
    expect(apply(b, { kind: 'update_basket', currency: 'EUR', custom: {}, expectedVersion: null })).toMatchObject({ outcome: 'rejected', rejection: { code: 'currency_not_supported' } });
  });

  it('never mutates its input', () => {
    const b = created();
    const frozen = JSON.stringify(b);
    apply(b, { kind: 'add_items', items: [{ sku: 'a', quantity: 1 }] });
    expect(JSON.stringify(b)).toBe(frozen);
  });
});

describe('custom property limits (pure)', () => {
  it('refuse growth past a cap but let an over-cap set shrink or stay', async () => {
    const { customLimitBreach, customSize } = await import('../../src/domain/custom-properties.js');
    const limits = { maxCount: 2, maxBytes: 40 };
    expect(customSize({ c_a: 'é' })).toEqual({ count: 1, bytes: JSON.stringify({ c_a: 'é' }).length + 1 });
    expect(customLimitBreach(customSize({}), customSize({ c_a: 1, c_b: 2 }), limits, 'B')).toBeNull();
    expect(customLimitBreach(customSize({}), customSize({ c_a: 1, c_b: 2, c_c: 3 }), limits, 'B')).toMatch(/3 custom properties/);
    expect(customLimitBreach(customSize({ c_a: 1, c_b: 2, c_c: 3, c_d: 4 }), customSize({ c_a: 1, c_b: 2, c_c: 3 }), limits, 'B')).toBeNull();
    expect(customLimitBreach(customSize({}), customSize({ c_a: 'x'.repeat(50) }), limits, 'B')).toMatch(/bytes/);
  });
});
