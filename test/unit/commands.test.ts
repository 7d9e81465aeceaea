/**
 * One test per mutation kind of its pure handler, through the registry. `CASES` is typed over every
 * kind, so a new kind does not compile until it has its test here. Each case applies the command to a
 * small basket and checks what changed (and, where the kind can refuse, one refusal).
 */
import { describe, expect, it } from 'vitest';
import { MUTATION_KINDS, type MutationKind } from '../../src/domain/enumerations.js';
import { Money } from '../../src/domain/money.js';
import { COMMANDS, applyMutation, codesInvolved, isAgentOnly, skusInvolved, type MutationCommand, type MutationContext } from '../../src/domain/mutations.js';
import type { Basket, CatalogEntry, PaymentMethod, ShippingMethod } from '../../src/domain/types.js';

const now = new Date('2026-12-03T10:00:00Z');
const entry = (sku: string, price = '2.50'): CatalogEntry => ({ sku, pk: 1, name: sku, taxRate: new Money('0.2'), online: true, image: null, price: new Money(price), retailPrice: null });
const std: ShippingMethod = { id: 'std', name: 'Standard', price: new Money('4.99'), taxRate: new Money('0.2'), freeOver: null };
const card: PaymentMethod = { id: 'CREDIT_CARD', name: 'Card', cardTypes: ['Visa'] };
const ctx = (over: Partial<MutationContext> = {}): MutationContext => ({
  basketId: 'b1',
  ownerId: 'agent-1',
  now,
  catalog: new Map([['a', entry('a')], ['b', entry('b', '4.00')]]),
  limits: { maxLineQuantity: 10, maxLines: 3 },
  newItemId: (n) => `new-${n}`,
  siteCurrency: 'EUR',
  shippingMethods: new Map([['std', std]]),
  paymentMethods: new Map([['CREDIT_CARD', card]]),
  ...over,
});
const line = (itemId: string, sku: string, quantity: number, position: number) => ({ itemId, sku, quantity, addedUnitPrice: new Money('2.50'), position, attributes: {}, custom: {} });
const basket = (over: Partial<Basket> = {}): Basket => ({
  id: 'b1', ownerId: 'agent-1', siteId: 'default', currency: 'EUR', status: 'active', version: 3,
  lines: [line('i1', 'a', 2, 0), line('i2', 'b', 1, 1)], custom: { c_keep: 1 }, sourceCode: null, checkout: {}, shippingMethodId: null,
  adjustments: [{ id: 'adj-1', level: 'product', itemId: 'i2', type: 'amount', value: new Money('1'), reasonCode: null, itemText: null, createdBy: 'agent-1' }],
  coupons: [{ id: 'c1', code: 'SAVE' }], externalOfferCode: null, agentBasket: false, createdAt: now, updatedAt: new Date(0), ...over,
});

/** Applies a command and returns the next basket, failing the test if it was refused. */
function applied(command: MutationCommand, b: Basket | null = basket(), over?: Partial<MutationContext>): Basket {
  const r = applyMutation(b, command, ctx(over));
  if (r.outcome !== 'applied') throw new Error(`refused: ${r.rejection.code} ${r.rejection.message}`);
  expect(r.basket.updatedAt).toEqual(now);
  if (b) expect(r.basket.version).toBe(b.version + 1);
  return r.basket;
}
const refused = (command: MutationCommand, b: Basket = basket(), over?: Partial<MutationContext>) => {
  const r = applyMutation(b, command, ctx(over));
  return r.outcome === 'rejected' ? r.rejection.code : 'applied';
};
const address = { firstName: 'Ada', lastName: 'L', address1: '1 Way', city: 'Town', countryCode: 'DE' };

const CASES: { readonly [K in MutationKind]: () => void } = {
  create_basket: () => {
    const b = applied({ kind: 'create_basket', siteId: 'default', currency: null, agentBasket: true, custom: { c_x: 1 } }, null);
    expect(b).toMatchObject({ version: 1, currency: 'EUR', status: 'active', lines: [], agentBasket: true, custom: { c_x: 1 } });
    expect(refused({ kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} })).toBe('basket_exists');
    // With a first change (`then`): version 2 holds it; the SKUs and codes involved are the change's.
    const first = { kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {}, then: { kind: 'add_items', items: [{ sku: 'b', quantity: 1 }] } } as const;
    expect(applied(first, null)).toMatchObject({ version: 2, lines: [{ sku: 'b', quantity: 1 }] });
    expect(skusInvolved(null, first)).toEqual(['b']);
    expect(codesInvolved({ ...first, then: { kind: 'set_offer_codes', voucherCode: 'NEW' } })).toEqual(['NEW']);
    expect(codesInvolved({ kind: 'create_basket', siteId: 'default', currency: null, agentBasket: false, custom: {} })).toEqual([]);
  },
  add_items: () => {
    const b = applied({ kind: 'add_items', items: [{ sku: 'a', quantity: 1 }] });
    expect(b.lines.map((l) => [l.sku, l.quantity])).toEqual([['a', 3], ['b', 1]]);
    expect(refused({ kind: 'add_items', items: [{ sku: 'zz', quantity: 1 }] })).toBe('product_not_found');
    // Into another shipment: the same product there is a line of its own, placed in that shipment.
    const two = basket({ checkout: { shipments: [{ id: 's2', itemIds: [] }] } });
    const p = applied({ kind: 'add_items', items: [{ sku: 'a', quantity: 1, shipmentId: 's2' }] }, two);
    expect([p.lines.map((l) => [l.itemId, l.sku, l.quantity]), p.checkout.shipments]).toEqual([
      [['i1', 'a', 2], ['i2', 'b', 1], ['new-0', 'a', 1]],
      [{ id: 's2', itemIds: ['new-0'] }],
    ]);
    expect(refused({ kind: 'add_items', items: [{ sku: 'a', quantity: 1, shipmentId: 'x' }] })).toBe('shipment_not_found');
  },
  set_item_quantity: () => {
    expect(applied({ kind: 'set_item_quantity', itemId: 'i1', quantity: 7 }).lines[0]!.quantity).toBe(7);
    // 0 removes the line, and its adjustments go with it (the shared clean-up).
    const b = applied({ kind: 'set_item_quantity', itemId: 'i2', quantity: 0 });
    expect([b.lines.map((l) => l.itemId), b.adjustments]).toEqual([['i1'], []]);
    expect(refused({ kind: 'set_item_quantity', itemId: 'i1', quantity: 11 })).toBe('quantity_limit_exceeded');
  },
  remove_item: () => {
    expect(applied({ kind: 'remove_item', itemId: 'i2' }).adjustments).toEqual([]);
    expect(refused({ kind: 'remove_item', itemId: 'nope' })).toBe('item_not_found');
  },
  set_product_quantity: () => {
    expect(applied({ kind: 'set_product_quantity', sku: 'a', quantity: 5 }).lines[0]!.quantity).toBe(5);
    expect(refused({ kind: 'set_product_quantity', sku: 'zz', quantity: 0 })).toBe('item_not_found');
  },
  empty_basket: () => {
    const b = applied({ kind: 'empty_basket' });
    expect([b.lines, b.adjustments, b.coupons.length, b.status]).toEqual([[], [], 1, 'active']);
  },
  set_item_attributes: () => {
    const b = applied({ kind: 'set_item_attributes', itemId: 'i1', attributes: { gift: true }, splitOne: true });
    expect(b.lines.map((l) => [l.itemId, l.quantity, l.attributes])).toEqual([['i1', 1, {}], ['i2', 1, {}], ['new-0', 1, { gift: true }]]);
    expect(refused({ kind: 'set_item_attributes', itemId: 'nope', attributes: {}, splitOne: false })).toBe('item_not_found');
  },
  update_item: () => {
    // A variant swap onto the SKU another line holds combines them on that line at its price; gift fields set.
    const b = applied({ kind: 'update_item', itemId: 'i1', sku: 'b', gift: true, giftMessage: 'For you' });
    expect(b.lines.map((l) => [l.itemId, l.sku, l.quantity, l.addedUnitPrice?.toString()])).toEqual([['i2', 'b', 3, '4']]);
    const g = applied({ kind: 'update_item', itemId: 'i2', gift: true, giftMessage: 'For you' });
    expect(g.lines[1]).toMatchObject({ sku: 'b', quantity: 1, gift: true, giftMessage: 'For you' });
    const cleared = applied({ kind: 'update_item', itemId: 'i2', gift: false, giftMessage: null }, g);
    expect([cleared.lines[1]!.gift, cleared.lines[1]!.giftMessage]).toEqual([undefined, undefined]);
    expect(applied({ kind: 'update_item', itemId: 'i1', quantity: 0 }).lines.map((l) => l.itemId)).toEqual(['i2']);
    expect(refused({ kind: 'update_item', itemId: 'i1', sku: 'zz' })).toBe('product_not_found');
    expect(refused({ kind: 'update_item', itemId: 'nope', quantity: 1 })).toBe('item_not_found');
    expect(skusInvolved(basket(), { kind: 'update_item', itemId: 'i1', sku: 'c' })).toEqual(['a', 'b', 'c']);
    // Moving an item into another shipment and back; a swap never combines lines across shipments.
    const two = basket({ checkout: { shipments: [{ id: 's2', itemIds: [] }] } });
    const moved = applied({ kind: 'update_item', itemId: 'i1', shipmentId: 's2' }, two);
    expect(moved.checkout.shipments).toEqual([{ id: 's2', itemIds: ['i1'] }]);
    expect(applied({ kind: 'update_item', itemId: 'i1', sku: 'b' }, moved).lines.map((l) => [l.itemId, l.sku])).toEqual([['i1', 'b'], ['i2', 'b']]);
    expect(applied({ kind: 'update_item', itemId: 'i1', shipmentId: 'me' }, moved).checkout.shipments).toEqual([{ id: 's2', itemIds: [] }]);
    // A removed line leaves its shipment (the shipment stays, empty).
    expect(applied({ kind: 'update_item', itemId: 'i1', quantity: 0 }, moved).checkout.shipments).toEqual([{ id: 's2', itemIds: [] }]);
    expect(refused({ kind: 'update_item', itemId: 'i1', shipmentId: 'nope' }, two)).toBe('shipment_not_found');
  },
  update_items: () => {
    const b = applied({ kind: 'update_items', items: [{ itemId: 'i1', quantity: 4 }, { itemId: 'i2', gift: true }] });
    expect(b.lines.map((l) => [l.quantity, l.gift ?? false])).toEqual([[4, false], [1, true]]);
    // All or none: the second update's refusal refuses the first too.
    expect(refused({ kind: 'update_items', items: [{ itemId: 'i1', quantity: 4 }, { itemId: 'i2', quantity: 11 }] })).toBe('quantity_limit_exceeded');
    expect(skusInvolved(null, { kind: 'update_items', items: [{ itemId: 'i1', sku: 'x' }, { itemId: 'i2' }] })).toEqual(['x']);
    // Many items into one shipment in one mutation; an unknown shipment refuses them all.
    const two = basket({ checkout: { shipments: [{ id: 's2', itemIds: [] }] } });
    const moved = applied({ kind: 'update_items', items: [{ itemId: 'i1', shipmentId: 's2' }, { itemId: 'i2', shipmentId: 's2', quantity: 2 }] }, two);
    expect([moved.checkout.shipments, moved.lines[1]!.quantity]).toEqual([[{ id: 's2', itemIds: ['i1', 'i2'] }], 2]);
    // An item moved into the shipment it is already in stays there.
    expect(applied({ kind: 'update_items', items: [{ itemId: 'i2', shipmentId: 's2' }] }, moved).checkout.shipments).toEqual([{ id: 's2', itemIds: ['i1', 'i2'] }]);
    expect(refused({ kind: 'update_items', items: [{ itemId: 'i1', shipmentId: 's2' }, { itemId: 'i2', shipmentId: 'x' }] }, two)).toBe('shipment_not_found');
  },
  delete_basket: () => {
    const b = applied({ kind: 'delete_basket' });
    expect([b.status, b.lines]).toEqual(['deleted', []]);
    expect(refused({ kind: 'delete_basket' }, b)).toBe('basket_not_found');
  },
  set_customer: () => {
    const b = applied({ kind: 'set_customer', email: 'a@b.c' }, basket({ checkout: { customerEmail: 'old@b.c', customerNo: '42' } }));
    expect(b.checkout).toEqual({ customerEmail: 'a@b.c' });
  },
  set_billing_address: () => {
    const b = applied({ kind: 'set_billing_address', address, alsoShipping: true });
    expect(b.checkout).toEqual({ billingAddress: address, shippingAddress: address });
    // A partial address merges into the one there (PWA Kit sends `{phone}` alone).
    const merged = applied({ kind: 'set_billing_address', address: { phone: '555' } }, b);
    expect(merged.checkout.billingAddress).toEqual({ ...address, phone: '555' });
  },
  set_shipping_address: () => {
    expect(applied({ kind: 'set_shipping_address', shipmentId: 'me', address }).checkout).toEqual({ shippingAddress: address });
    expect(refused({ kind: 'set_shipping_address', shipmentId: 'other', address })).toBe('shipment_not_found');
  },
  set_shipping_method: () => {
    expect(applied({ kind: 'set_shipping_method', shipmentId: 'me', methodId: 'std' }).shippingMethodId).toBe('std');
    expect(refused({ kind: 'set_shipping_method', shipmentId: 'me', methodId: 'express' })).toBe('shipping_method_not_found');
    // Another shipment's method is its own; the default one's stays.
    const two = basket({ checkout: { shipments: [{ id: 's2', itemIds: ['i2'] }] } });
    const b = applied({ kind: 'set_shipping_method', shipmentId: 's2', methodId: 'std' }, two);
    expect([b.shippingMethodId, b.checkout.shipments]).toEqual([null, [{ id: 's2', itemIds: ['i2'], shippingMethodId: 'std' }]]);
    expect(refused({ kind: 'set_shipping_method', shipmentId: 'nope', methodId: 'std' }, two)).toBe('shipment_not_found');
  },
  create_shipment: () => {
    // The client's id, address, method and custom properties (the app's `c_fromStoreId`); no items yet.
    const b = applied({ kind: 'create_shipment', shipmentId: 'pickup', address, methodId: 'std', custom: { c_fromStoreId: 'store-1' } });
    expect(b.checkout.shipments).toEqual([{ id: 'pickup', itemIds: [], shippingAddress: address, shippingMethodId: 'std', custom: { c_fromStoreId: 'store-1' } }]);
    // No id: one derived from the mutation (a replay makes the same).
    expect(applied({ kind: 'create_shipment', shipmentId: null }).checkout.shipments).toEqual([{ id: 'shipment_new-0', itemIds: [] }]);
    expect(refused({ kind: 'create_shipment', shipmentId: 'me' })).toBe('shipment_id_in_use');
    expect(refused({ kind: 'create_shipment', shipmentId: 'pickup' }, b)).toBe('shipment_id_in_use');
    expect(refused({ kind: 'create_shipment', shipmentId: 'x', methodId: 'express' })).toBe('shipping_method_not_found');
    // A shipment's custom properties are capped as a line's are.
    const capped = { limits: { maxLineQuantity: 10, maxLines: 3, custom: { maxCount: 2, maxBytes: 100 } } };
    expect(refused({ kind: 'create_shipment', shipmentId: 'x', custom: { c_a: 1, c_b: 2, c_c: 3 } }, basket(), capped)).toBe('custom_properties_limit_exceeded');
    expect(refused({ kind: 'update_shipment', shipmentId: 'me', custom: { c_a: 'x'.repeat(200) } }, basket(), capped)).toBe('custom_properties_limit_exceeded');
    const full = basket({ checkout: { shipments: Array.from({ length: 9 }, (_, i) => ({ id: `s${i}`, itemIds: [] })) } });
    expect(refused({ kind: 'create_shipment', shipmentId: 'x' }, full)).toBe('shipment_limit_exceeded');
  },
  update_shipment: () => {
    // `me`: its address and method where they always were, its gift fields and `c_*` beside them.
    const me = applied({ kind: 'update_shipment', shipmentId: 'me', address, methodId: 'std', gift: true, giftMessage: 'Hi', custom: { c_a: 1 } });
    expect([me.checkout, me.shippingMethodId]).toEqual([{ shippingAddress: address, defaultShipment: { gift: true, giftMessage: 'Hi', custom: { c_a: 1 } } }, 'std']);
    const cleared = applied({ kind: 'update_shipment', shipmentId: 'me', gift: false, giftMessage: null, custom: { c_a: null } }, me);
    expect(cleared.checkout).toEqual({ shippingAddress: address });
    // The address given replaces the shipment's; `{}` clears it (PWA Kit's use-pickup-shipment back to delivery).
    expect(applied({ kind: 'update_shipment', shipmentId: 'me', address: {}, custom: { c_fromStoreId: null } }, me).checkout).toEqual({
      defaultShipment: { gift: true, giftMessage: 'Hi', custom: { c_a: 1 } },
    });
    const two = basket({ checkout: { shipments: [{ id: 's2', itemIds: ['i2'], shippingAddress: address }] } });
    const b = applied({ kind: 'update_shipment', shipmentId: 's2', address: { city: 'Elsewhere' }, gift: true }, two);
    expect(b.checkout.shipments).toEqual([{ id: 's2', itemIds: ['i2'], shippingAddress: { city: 'Elsewhere' }, gift: true }]);
    // updateShippingAddressForShipment merges, for any shipment.
    const merged = applied({ kind: 'set_shipping_address', shipmentId: 's2', address: { city: 'Elsewhere' } }, two);
    expect(merged.checkout.shipments![0]!.shippingAddress).toEqual({ ...address, city: 'Elsewhere' });
    expect(refused({ kind: 'update_shipment', shipmentId: 'nope', gift: true })).toBe('shipment_not_found');
    expect(refused({ kind: 'update_shipment', shipmentId: 's2', methodId: 'express' }, two)).toBe('shipping_method_not_found');
  },
  remove_shipment: () => {
    // Its items go with it (SFCC removes the shipment's product items), and their adjustments with them.
    const two = basket({ checkout: { shipments: [{ id: 's2', itemIds: ['i2'] }] } });
    const b = applied({ kind: 'remove_shipment', shipmentId: 's2' }, two);
    expect([b.lines.map((l) => l.itemId), b.adjustments, b.checkout]).toEqual([['i1'], [], {}]);
    expect(refused({ kind: 'remove_shipment', shipmentId: 'me' }, two)).toBe('default_shipment_not_removable');
    expect(refused({ kind: 'remove_shipment', shipmentId: 'nope' }, two)).toBe('shipment_not_found');
  },
  add_price_adjustment: () => {
    const b = applied({ kind: 'add_price_adjustment', level: 'order', itemId: null, type: 'percentage', value: '10', reasonCode: 'r', itemText: 't', custom: { c_why: 'x' } });
    expect(b.adjustments[1]).toMatchObject({ id: 'new-0', level: 'order', type: 'percentage', createdBy: 'agent-1', custom: { c_why: 'x' } });
    expect(b.adjustments[1]!.value.toString()).toBe('10');
    expect(isAgentOnly('add_price_adjustment')).toBe(true);
  },
  update_price_adjustment: () => {
    const b = applied({ kind: 'update_price_adjustment', adjustmentId: 'adj-1', value: '2', reasonCode: null });
    expect([b.adjustments[0]!.value.toString(), b.adjustments[0]!.reasonCode, b.adjustments[0]!.type]).toEqual(['2', null, 'amount']);
    expect(refused({ kind: 'update_price_adjustment', adjustmentId: 'nope' })).toBe('price_adjustment_not_found');
  },
  remove_price_adjustment: () => {
    expect(applied({ kind: 'remove_price_adjustment', adjustmentId: 'adj-1' }).adjustments).toEqual([]);
    expect(refused({ kind: 'remove_price_adjustment', adjustmentId: 'nope' })).toBe('price_adjustment_not_found');
  },
  add_coupon: () => {
    expect(applied({ kind: 'add_coupon', code: 'MORE' }).coupons.map((c) => c.code)).toEqual(['SAVE', 'MORE']);
    expect(refused({ kind: 'add_coupon', code: 'save' })).toBe('coupon_already_in_basket');
    // `verify` (SCAPI) is checked by the application against the priced basket; the handler adds the code.
    expect(applied({ kind: 'add_coupon', code: 'MORE', verify: true }).coupons.map((c) => c.code)).toEqual(['SAVE', 'MORE']);
    expect(codesInvolved({ kind: 'add_coupon', code: 'MORE' })).toEqual(['MORE']);
  },
  remove_coupon: () => {
    expect(applied({ kind: 'remove_coupon', couponItemId: 'c1' }).coupons).toEqual([]);
    expect(refused({ kind: 'remove_coupon', couponItemId: 'nope' })).toBe('coupon_item_not_found');
  },
  set_offer_codes: () => {
    const b = applied({ kind: 'set_offer_codes', voucherCode: 'NEW', externalOfferCode: 'EXT' });
    expect([b.coupons, b.externalOfferCode]).toEqual([[{ id: 'new-0', code: 'NEW' }], 'EXT']);
    expect(applied({ kind: 'set_offer_codes', voucherCode: null }).coupons).toEqual([]);
    expect(codesInvolved({ kind: 'set_offer_codes', voucherCode: 'NEW', externalOfferCode: null })).toEqual(['NEW']);
  },
  add_payment_instrument: () => {
    const instrument = { methodId: 'CREDIT_CARD', amount: '12.50', card: { cardType: 'Visa', maskedNumber: '************1111', holder: 'Ada', expirationMonth: 1, expirationYear: 2030 } };
    expect(applied({ kind: 'add_payment_instrument', instrument }).checkout.paymentInstruments).toEqual([{ id: 'new-0', ...instrument }]);
    expect(refused({ kind: 'add_payment_instrument', instrument: { ...instrument, amount: '1.001' } })).toBe('payment_amount_invalid');
    expect(refused({ kind: 'add_payment_instrument', instrument: { ...instrument, methodId: 'GIFT' } })).toBe('payment_method_not_found');
  },
  remove_payment_instrument: () => {
    const b = basket({ checkout: { paymentInstruments: [{ id: 'p1', methodId: 'CREDIT_CARD', amount: null, card: null }] } });
    expect(applied({ kind: 'remove_payment_instrument', paymentInstrumentId: 'p1' }, b).checkout.paymentInstruments).toEqual([]);
    expect(refused({ kind: 'remove_payment_instrument', paymentInstrumentId: 'nope' }, b)).toBe('payment_instrument_not_found');
  },
  update_payment_instrument: () => {
    const b = basket({ checkout: { paymentInstruments: [{ id: 'p1', methodId: 'CREDIT_CARD', amount: null, card: null }] } });
    expect(applied({ kind: 'update_payment_instrument', paymentInstrumentId: 'p1', changes: { amount: '9.99' } }, b).checkout.paymentInstruments).toEqual([
      { id: 'p1', methodId: 'CREDIT_CARD', amount: '9.99', card: null },
    ]);
    expect(refused({ kind: 'update_payment_instrument', paymentInstrumentId: 'p1', changes: { methodId: 'GIFT' } }, b)).toBe('payment_method_not_found');
    expect(refused({ kind: 'update_payment_instrument', paymentInstrumentId: 'nope', changes: {} }, b)).toBe('payment_instrument_not_found');
  },
  transfer_basket: () => {
    // The guest's basket becomes the caller's (ctx.ownerId 'agent-1' here).
    const guestBasket = basket({ ownerId: 'guest-1' });
    expect(applied({ kind: 'transfer_basket', fromOwnerId: 'guest-1', mode: 'transfer', absorbedBasketId: null }, guestBasket).ownerId).toBe('agent-1');
    expect(refused({ kind: 'transfer_basket', fromOwnerId: 'someone-else', mode: 'transfer', absorbedBasketId: null }, guestBasket)).toBe('basket_not_found');
    // The caller's own basket: merged in (lines summed, codes joined), replaced, or a conflict.
    const own = basket({ id: 'own-1', ownerId: 'agent-1', lines: [line('o-a', 'a', 1, 0)], adjustments: [], coupons: [{ id: 'oc', code: 'MINE' }] });
    const merged = applied({ kind: 'transfer_basket', fromOwnerId: 'guest-1', mode: 'merge', absorbedBasketId: 'own-1' }, guestBasket, { mergeSource: own });
    expect([merged.ownerId, merged.lines.map((l) => [l.sku, l.quantity]), merged.coupons.map((c) => c.code)]).toEqual(['agent-1', [['a', 3], ['b', 1]], ['SAVE', 'MINE']]);
    const overridden = applied({ kind: 'transfer_basket', fromOwnerId: 'guest-1', mode: 'override', absorbedBasketId: 'own-1' }, guestBasket, { mergeSource: own });
    expect(overridden.lines).toEqual(guestBasket.lines);
    expect(refused({ kind: 'transfer_basket', fromOwnerId: 'guest-1', mode: 'transfer', absorbedBasketId: 'own-1' }, guestBasket, { mergeSource: own })).toBe('basket_transfer_conflict');
    expect(refused({ kind: 'transfer_basket', fromOwnerId: 'guest-1', mode: 'merge', absorbedBasketId: 'other' }, guestBasket, { mergeSource: own })).toBe('basket_transfer_conflict');
  },
  merge_basket: () => {
    const guest = basket({ id: 'g1', ownerId: 'guest-1', lines: [line('g-a', 'a', 1, 0)], adjustments: [], coupons: [{ id: 'gc', code: 'GUEST' }] });
    const b = applied({ kind: 'merge_basket', sourceBasketId: 'g1', sourceOwnerId: 'guest-1', mode: 'sum_quantities' }, basket(), { mergeSource: guest });
    expect([b.lines.map((l) => [l.sku, l.quantity]), b.coupons.map((c) => c.code)]).toEqual([[['a', 3], ['b', 1]], ['SAVE', 'GUEST']]);
    expect(refused({ kind: 'merge_basket', sourceBasketId: 'g1', sourceOwnerId: 'someone-else', mode: 'sum_quantities' }, basket(), { mergeSource: guest })).toBe('basket_not_found');
  },
  update_basket: () => {
    const b = applied({ kind: 'update_basket', sourceCode: 'SRC', custom: { c_keep: null, c_new: 'y' }, expectedVersion: 3 });
    expect([b.sourceCode, b.custom]).toEqual(['SRC', { c_new: 'y' }]);
    expect(refused({ kind: 'update_basket', custom: {}, expectedVersion: 2 })).toBe('resource_state_conflict');
    expect(refused({ kind: 'update_basket', currency: 'USD', custom: {}, expectedVersion: null })).toBe('currency_not_supported');
  },
  expire_reservations: () => {
    const b = applied({ kind: 'expire_reservations' });
    expect(b.lines).toEqual(basket().lines);
    expect(COMMANDS.expire_reservations.reservation).toBe('expire');
  },
  recalculate: () => {
    expect(applied({ kind: 'recalculate' }).lines).toEqual(basket().lines);
    expect(COMMANDS.recalculate.reservation).toBe('keep');
  },
};

describe('every mutation kind’s pure handler', () => {
  it('has a case here for every kind, and the registry has a spec for it', () => {
    expect(Object.keys(CASES).sort()).toEqual([...MUTATION_KINDS].sort());
    expect(Object.keys(COMMANDS).sort()).toEqual([...MUTATION_KINDS].sort());
  });

  it.each(Object.entries(CASES))('%s', (_kind, check) => check());

  it('only the manual price adjustments are agents’ only; SKUs involved are the lines’ and the command’s', () => {
    expect(MUTATION_KINDS.filter(isAgentOnly)).toEqual(['add_price_adjustment', 'update_price_adjustment', 'remove_price_adjustment']);
    expect(skusInvolved(basket(), { kind: 'add_items', items: [{ sku: 'c', quantity: 1 }] })).toEqual(['a', 'b', 'c']);
    expect(skusInvolved(null, { kind: 'set_product_quantity', sku: 'z', quantity: 1 })).toEqual(['z']);
  });
});
