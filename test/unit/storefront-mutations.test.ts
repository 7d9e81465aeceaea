/** The pure handlers behind PWA Kit's calls: item updates (swap, gift), several at once, payment update, transfer, address merge. */
import { describe, expect, it } from 'vitest';
import { Money } from '../../src/domain/money.js';
import { applyMutation, type MutationCommand, type MutationContext, type MutationResult } from '../../src/domain/mutations.js';
import { isCompleteAddress } from '../../src/domain/checkout.js';
import type { Basket, CatalogEntry } from '../../src/domain/types.js';

const now = new Date('2026-12-03T10:00:00Z');
const entry = (sku: string, price: string | null, online = true): CatalogEntry => ({
  sku, pk: 1, name: sku, taxRate: new Money('0.2'), online, image: null, price: price === null ? null : new Money(price), retailPrice: null,
});
const catalog = new Map([['red', entry('red', '30.00')], ['blue', entry('blue', '64.00')], ['socks', entry('socks', '8.00')], ['off', entry('off', '1.00', false)], ['free', entry('free', null)]]);
const ctx = (over: Partial<MutationContext> = {}): MutationContext => ({
  basketId: 'b1', ownerId: 'o1', now, catalog, limits: { maxLineQuantity: 10, maxLines: 5 }, newItemId: (n) => `new-${n}`, siteCurrency: 'USD',
  paymentMethods: new Map([['CREDIT_CARD', { id: 'CREDIT_CARD', name: 'Card', cardTypes: ['Visa'] }], ['CASH', { id: 'CASH', name: 'Cash', cardTypes: [] }]]),
  ...over,
});
const ok = (r: MutationResult): Basket => {
  if (r.outcome !== 'applied') throw new Error(`rejected: ${r.rejection.code}`);
  return r.basket;
};
const apply = (b: Basket, c: MutationCommand, over?: Partial<MutationContext>) => applyMutation(b, c, ctx(over));
const basket = (owner = 'o1', id = 'b1'): Basket => ok(applyMutation(null, { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} }, ctx({ basketId: id, ownerId: owner })));
const withItems = (b: Basket, items: { sku: string; quantity: number }[], over?: Partial<MutationContext>) => ok(apply(b, { kind: 'add_items', items }, over));
const rows = (b: Basket) => b.lines.map((l) => [l.itemId, l.sku, l.quantity, l.addedUnitPrice?.toString() ?? null]);

describe('update_item', () => {
  it('swaps the variant in place: same item id and position, the new SKU at its own price', () => {
    const b = withItems(basket(), [{ sku: 'red', quantity: 2 }, { sku: 'socks', quantity: 1 }]);
    const after = ok(apply(b, { kind: 'update_item', itemId: 'new-0', sku: 'blue', quantity: 3 }));
    expect(rows(after)).toEqual([['new-0', 'blue', 3, '64'], ['new-1', 'socks', 1, '8']]);
    expect(after.lines[0]!.position).toBe(b.lines[0]!.position);
  });

  it('swapping to a SKU another line holds combines them on that line', () => {
    const b = withItems(basket(), [{ sku: 'red', quantity: 2 }, { sku: 'blue', quantity: 1 }]);
    expect(rows(ok(apply(b, { kind: 'update_item', itemId: 'new-0', sku: 'blue', quantity: 2 })))).toEqual([['new-1', 'blue', 3, '64']]);
    expect(apply(b, { kind: 'update_item', itemId: 'new-0', sku: 'blue', quantity: 10 })).toMatchObject({ outcome: 'rejected', rejection: { code: 'quantity_limit_exceeded' } });
  });

  it.each([
    ['an offline variant', { sku: 'off' }, 'product_not_found'],
    ['an unpriced variant', { sku: 'free' }, 'product_without_price'],
    ['an unknown variant', { sku: 'nope' }, 'product_not_found'],
    ['an unknown item', { itemId: 'x' }, 'item_not_found'],
    ['a quantity over the limit', { quantity: 11 }, 'quantity_limit_exceeded'],
  ] as const)('refuses %s', (_n, change, code) => {
    const b = withItems(basket(), [{ sku: 'red', quantity: 1 }]);
    expect(apply(b, { kind: 'update_item', itemId: 'new-0', ...change })).toMatchObject({ outcome: 'rejected', rejection: { code } });
  });

  it('sets and clears gift and message; quantity 0 removes the line', () => {
    const b = withItems(basket(), [{ sku: 'red', quantity: 1 }]);
    const gift = ok(apply(b, { kind: 'update_item', itemId: 'new-0', gift: true, giftMessage: 'Happy birthday' }));
    expect(gift.lines[0]).toMatchObject({ gift: true, giftMessage: 'Happy birthday', quantity: 1 });
    const cleared = ok(apply(gift, { kind: 'update_item', itemId: 'new-0', gift: false, giftMessage: null }));
    expect(cleared.lines[0]!.gift).toBeUndefined();
    expect(cleared.lines[0]!.giftMessage).toBeUndefined();
    expect(ok(apply(b, { kind: 'update_item', itemId: 'new-0', quantity: 0 })).lines).toEqual([]);
  });

  it('update_items applies all in one version, or none', () => {
    const b = withItems(basket(), [{ sku: 'red', quantity: 1 }, { sku: 'socks', quantity: 1 }]);
    const both = ok(apply(b, { kind: 'update_items', items: [{ itemId: 'new-0', quantity: 4 }, { itemId: 'new-1', sku: 'blue' }] }));
    expect([both.version, rows(both)]).toEqual([b.version + 1, [['new-0', 'red', 4, '30'], ['new-1', 'blue', 1, '64']]]);
    expect(apply(b, { kind: 'update_items', items: [{ itemId: 'new-0', quantity: 4 }, { itemId: 'missing', quantity: 1 }] })).toMatchObject({ outcome: 'rejected', rejection: { code: 'item_not_found' } });
  });
});

describe('update_payment_instrument', () => {
  const paid = () => ok(apply(basket(), { kind: 'add_payment_instrument', instrument: { methodId: 'CREDIT_CARD', amount: null, card: { cardType: 'Visa', holder: null, maskedNumber: '****1111', expirationMonth: 1, expirationYear: 2030 } } }));

  it('changes the fields given and keeps the rest', () => {
    const after = ok(apply(paid(), { kind: 'update_payment_instrument', paymentInstrumentId: 'new-0', changes: { amount: '87.00' } }));
    expect(after.checkout.paymentInstruments).toEqual([expect.objectContaining({ id: 'new-0', amount: '87.00', methodId: 'CREDIT_CARD', card: expect.objectContaining({ maskedNumber: '****1111' }) })]);
  });

  it.each([
    ['an unknown instrument', 'nope', { amount: '1.00' }, 'payment_instrument_not_found'],
    ['an amount finer than cents', 'new-0', { amount: '1.001' }, 'payment_amount_invalid'],
    ['an unknown method', 'new-0', { methodId: 'GOLD' }, 'payment_method_not_found'],
    ['a card type the method does not take', 'new-0', { card: { cardType: 'Amex', holder: null, maskedNumber: null, expirationMonth: null, expirationYear: null } }, 'payment_method_not_found'],
  ] as const)('refuses %s', (_n, id, changes, code) => {
    expect(apply(paid(), { kind: 'update_payment_instrument', paymentInstrumentId: id, changes })).toMatchObject({ outcome: 'rejected', rejection: { code } });
  });
});

describe('transfer_basket', () => {
  const guestBasket = () => withItems(basket('guest', 'g1'), [{ sku: 'red', quantity: 2 }], { basketId: 'g1', ownerId: 'guest' });
  const own = () => withItems(basket('cust', 'c1'), [{ sku: 'red', quantity: 1 }, { sku: 'socks', quantity: 3 }], { basketId: 'c1', ownerId: 'cust' });

  it("makes the guest's basket the shopper's", () => {
    const after = ok(applyMutation(guestBasket(), { kind: 'transfer_basket', fromOwnerId: 'guest', mode: 'transfer', absorbedBasketId: null }, ctx({ basketId: 'g1', ownerId: 'cust' })));
    expect([after.id, after.ownerId, rows(after)]).toEqual(['g1', 'cust', [['new-0', 'red', 2, '30']]]);
  });

  it("merge: the shopper's own basket joins it (quantities add up)", () => {
    const after = ok(applyMutation(guestBasket(), { kind: 'transfer_basket', fromOwnerId: 'guest', mode: 'merge', absorbedBasketId: 'c1' }, ctx({ basketId: 'g1', ownerId: 'cust', mergeSource: own() })));
    expect([after.ownerId, after.lines.map((l) => [l.sku, l.quantity])]).toEqual(['cust', [['red', 3], ['socks', 3]]]);
  });

  it("override: the shopper's own basket is dropped, its lines not taken", () => {
    const after = ok(applyMutation(guestBasket(), { kind: 'transfer_basket', fromOwnerId: 'guest', mode: 'override', absorbedBasketId: 'c1' }, ctx({ basketId: 'g1', ownerId: 'cust', mergeSource: own() })));
    expect(after.lines.map((l) => [l.sku, l.quantity])).toEqual([['red', 2]]);
  });

  it.each([
    ['a basket of someone else', { fromOwnerId: 'other', mode: 'transfer', absorbedBasketId: null }, null, 'basket_not_found'],
    ['a plain transfer while the shopper has a basket', { fromOwnerId: 'guest', mode: 'transfer', absorbedBasketId: null }, 'own', 'basket_transfer_conflict'],
    ["a merge whose named basket is not the shopper's", { fromOwnerId: 'guest', mode: 'merge', absorbedBasketId: 'c2' }, 'own', 'basket_transfer_conflict'],
  ] as const)('refuses %s', (_n, command, source, code) => {
    const r = applyMutation(guestBasket(), { kind: 'transfer_basket', ...command }, ctx({ basketId: 'g1', ownerId: 'cust', mergeSource: source ? own() : null }));
    expect(r).toMatchObject({ outcome: 'rejected', rejection: { code } });
  });
});

describe('addresses merge', () => {
  it('a partial billing address keeps the fields already there; complete only with address1, city and country', () => {
    const first = ok(apply(basket(), { kind: 'set_billing_address', address: { phone: '555' } }));
    expect(first.checkout.billingAddress).toEqual({ phone: '555' });
    expect(isCompleteAddress(first.checkout.billingAddress)).toBe(false);
    const full = ok(apply(first, { kind: 'set_billing_address', address: { address1: '1 Main St', city: 'Springfield', country_code: 'US' }, alsoShipping: true }));
    expect(full.checkout.billingAddress).toEqual({ phone: '555', address1: '1 Main St', city: 'Springfield', country_code: 'US' });
    expect(full.checkout.shippingAddress).toEqual({ address1: '1 Main St', city: 'Springfield', country_code: 'US' });
    expect(isCompleteAddress(full.checkout.billingAddress)).toBe(true);
  });
});
