import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { freeUnits, holdExpiry, planReservations, watchedSkus, withTransferredHoldings, type StockView } from '../../src/domain/reservation.js';
import { stockView } from '../support/stock-view.js';

const now = new Date('2026-11-23T10:00:00Z');
const past = new Date('2026-11-23T09:59:00Z');
const future = new Date('2026-11-23T10:05:00Z');
const stock = stockView;
const plan = (over: Partial<Parameters<typeof planReservations>[0]>) =>
  planReservations({ mode: 'hold', desired: new Map(), increased: new Set(), stock: new Map(), now, ttlSeconds: 600, ...over });

describe('planReservations (hold)', () => {
  it('holds what the lines want with a fresh expiry', () => {
    const p = plan({ desired: new Map([['a', 3]]), increased: new Set(['a']), stock: new Map([['a', stock('a')]]) });
    expect(p).toMatchObject({ ok: true, items: [{ sku: 'a', have: 0, target: 3 }], expiresAt: new Date('2026-11-23T10:10:00Z') });
  });

  it('rejects an increase that the stock cannot cover, naming what could be held', () => {
    const p = plan({ desired: new Map([['a', 8]]), increased: new Set(['a']), stock: new Map([['a', stock('a', { onHand: 10, reserved: 7, ours: 2 })]]) });
    // free = 10 - 7 = 3; obtainable = 2 held + 3 free = 5
    expect(p).toEqual({ ok: false, sku: 'a', requested: 8, available: 5 });
  });

  it("counts other baskets' expired holdings as available", () => {
    const p = plan({
      desired: new Map([['a', 4]]),
      increased: new Set(['a']),
      stock: new Map([['a', stock('a', { onHand: 4, reserved: 4, reclaimable: 4 })]]),
    });
    expect(p.ok).toBe(true);
  });

  it('keeps what it holds and flags the SKU short when lost units cannot be re-held (no increase asked)', () => {
    const p = plan({ desired: new Map([['a', 5]]), stock: new Map([['a', stock('a', { onHand: 2, reserved: 2, ours: 0, oursExpiresAt: past })]]) });
    expect(p).toMatchObject({ ok: true, items: [{ sku: 'a', have: 0, target: 0 }] });
    expect(p.ok && [...p.short]).toEqual(['a']);
  });

  it('releases holdings of SKUs no line wants any more', () => {
    const p = plan({ desired: new Map(), stock: new Map([['a', stock('a', { ours: 3, reserved: 3, oursExpiresAt: future })]]) });
    expect(p).toMatchObject({ ok: true, items: [{ sku: 'a', have: 3, target: 0 }], expiresAt: null, earliestExpiry: null });
  });

  it('flags holders short when on-hand was lowered below what is reserved', () => {
    const p = plan({ desired: new Map([['a', 5]]), stock: new Map([['a', stock('a', { onHand: 2, reserved: 5, ours: 5, oursExpiresAt: future })]]) });
    expect(p.ok && [...p.short]).toEqual(['a']);
    expect(freeUnits(stock('a', { onHand: 2, reserved: 5 }))).toBe(0);
  });

  it('holds nothing of an untracked SKU', () => {
    expect(plan({ desired: new Map([['a', 1]]), increased: new Set(['a']), stock: new Map([['a', stock('a', { tracked: false })]]) })).toMatchObject({
      ok: false,
      available: 0,
    });
  });
});

describe('planReservations (expire)', () => {
  it('releases only expired holdings and reports the earliest remaining expiry', () => {
    const p = plan({
      mode: 'expire',
      desired: new Map([
        ['a', 1],
        ['b', 1],
      ]),
      stock: new Map([
        ['a', stock('a', { ours: 1, reserved: 1, oursExpiresAt: past })],
        ['b', stock('b', { ours: 1, reserved: 1, oursExpiresAt: future })],
      ]),
    });
    expect(p).toMatchObject({
      ok: true,
      items: [
        { sku: 'a', have: 1, target: 0 },
        { sku: 'b', have: 1, target: 1 },
      ],
      earliestExpiry: future,
      expired: 1,
    });
    expect(p.ok && p.short.size).toBe(0);
  });

  it('flags a released line short when its units are no longer free', () => {
    const p = plan({
      mode: 'expire',
      desired: new Map([['a', 1]]),
      stock: new Map([['a', stock('a', { onHand: 1, reserved: 1, ours: 0, oursExpiresAt: past })]]),
    });
    expect(p.ok && [...p.short]).toEqual(['a']);
  });

  it('has nothing to do when nothing expired', () => {
    const p = plan({ mode: 'expire', desired: new Map([['a', 1]]), stock: new Map([['a', stock('a', { ours: 1, reserved: 1, oursExpiresAt: future })]]) });
    expect(p).toMatchObject({ ok: true, expired: 0, items: [{ sku: 'a', have: 1, target: 1 }] });
  });
});

describe('planReservations (keep)', () => {
  it('lists every holding unchanged, a reclaimed one at 0 too, and extends nothing', () => {
    const p = plan({
      mode: 'keep',
      desired: new Map([
        ['a', 1],
        ['b', 1],
      ]),
      stock: new Map([
        ['a', stock('a', { ours: 0, reserved: 1, onHand: 1, oursExpiresAt: past })],
        ['b', stock('b', { ours: 1, reserved: 1, oursExpiresAt: past })],
      ]),
    });
    expect(p).toMatchObject({
      ok: true,
      expiresAt: null,
      expired: 0,
      items: [
        { sku: 'a', have: 0, target: 0 },
        { sku: 'b', have: 1, target: 1 },
      ],
    });
    expect(p.ok && [...p.short]).toEqual(['a']);
  });
});

describe('planReservations properties', () => {
  it('never plans to hold more than is obtainable, and a successful hold covers every wanted unit or flags it', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            want: fc.integer({ min: 0, max: 20 }),
            onHand: fc.integer({ min: 0, max: 30 }),
            others: fc.integer({ min: 0, max: 30 }),
            ours: fc.integer({ min: 0, max: 10 }),
            increased: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (rows) => {
          const desired = new Map(rows.map((r, i) => [`s${i}`, r.want]));
          const views = new Map(
            rows.map((r, i) => [
              `s${i}`,
              stock(`s${i}`, { onHand: r.onHand, reserved: r.others + r.ours, ours: r.ours, oursExpiresAt: r.ours ? future : null }),
            ]),
          );
          const increased = new Set(rows.flatMap((r, i) => (r.increased ? [`s${i}`] : [])));
          const p = plan({ desired, increased, stock: views });
          if (!p.ok) {
            expect(increased.has(p.sku)).toBe(true);
            return;
          }
          for (const item of p.items) {
            const v = views.get(item.sku)!;
            expect(item.target).toBeGreaterThanOrEqual(0);
            if (item.target > item.have) expect(item.target - item.have).toBeLessThanOrEqual(freeUnits(v));
            const want = desired.get(item.sku) ?? 0;
            if (item.target < want) expect(p.short.has(item.sku)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('withTransferredHoldings', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const v = (over: Partial<StockView>): StockView => stockView('a', { reserved: 5, ...over });
  it("counts the other basket's holdings as this basket's, keeping the earliest expiry", () => {
    const soon = new Date('2026-11-23T10:05:00Z');
    const later = new Date('2026-11-23T10:09:00Z');
    const out = withTransferredHoldings(new Map([['a', v({ ours: 1, oursExpiresAt: later })]]), new Map([['a', v({ ours: 2, oursExpiresAt: soon })]]), now);
    expect(out.get('a')).toMatchObject({ ours: 3, reserved: 5, oursExpiresAt: soon });
  });
  it('an expired holding moved over stops counting as reclaimable from someone else', () => {
    const past = new Date('2026-11-23T09:00:00Z');
    const out = withTransferredHoldings(new Map([['a', v({ reclaimable: 2 })]]), new Map([['a', v({ ours: 2, oursExpiresAt: past })]]), now);
    expect(out.get('a')).toMatchObject({ ours: 2, reclaimable: 0 });
  });
});

describe('watchedSkus', () => {
  it('lists SKUs wanted beyond what is held (relying on free units) and flashed ones; nothing for a basket holding all it wants', () => {
    const desired = new Map([
      ['A', 2],
      ['B', 1],
      ['C', 3],
    ]);
    const plan = planReservations({
      mode: 'expire',
      desired,
      increased: new Set(),
      stock: new Map([
        ['A', stock('A', { ours: 2, reserved: 2, oursExpiresAt: past })], // released, 8 free: relies on free units
        ['B', stock('B', { ours: 1, reserved: 1, oursExpiresAt: new Date(now.getTime() + 60_000) })], // still held
        ['C', stock('C', { onHand: 1 })], // 1 free, wants 3: flashed
      ]),
      now,
      ttlSeconds: 600,
    });
    if (!plan.ok) throw new Error('plan');
    expect(watchedSkus(desired, plan)).toEqual([
      { sku: 'A', wanted: 2, flashed: false },
      { sku: 'C', wanted: 3, flashed: true },
    ]);
    const hold = planReservations({
      mode: 'hold',
      desired: new Map([['B', 1]]),
      increased: new Set(),
      stock: new Map([['B', stock('B', {})]]),
      now,
      ttlSeconds: 600,
    });
    if (!hold.ok) throw new Error('plan');
    expect(watchedSkus(new Map([['B', 1]]), hold)).toEqual([]);
  });
});

describe('holdExpiry', () => {
  it('is at least the TTL away, at most one step (a tenth of the TTL, at most a minute) more, and the same within a step', () => {
    for (const ttl of [1, 7, 600, 3600]) {
      const step = Math.min(60_000, ttl * 100);
      for (const ms of [0, 1, 99, 12_345, 59_999, 1_764_000_000_123]) {
        const now = new Date(Date.UTC(2026, 11, 3, 15, 0, 0) + ms);
        const at = holdExpiry(now, ttl).getTime();
        expect(at - now.getTime()).toBeGreaterThanOrEqual(ttl * 1000);
        expect(at - now.getTime()).toBeLessThan(ttl * 1000 + step);
        expect(at % step).toBe(0);
      }
    }
    const start = new Date('2026-12-03T15:00:00.001Z');
    const later = new Date('2026-12-03T15:00:59.000Z');
    expect(holdExpiry(later, 600)).toEqual(holdExpiry(start, 600));
    expect(holdExpiry(start, 600)).toEqual(new Date('2026-12-03T15:11:00Z'));
  });
});
