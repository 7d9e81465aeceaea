/**
 * Microbenchmark of `priceBasket` (a benchmark, not a test): prices fixed baskets — 1, 5 and 20 lines,
 * one and three shipments, with and without promotions — and prints CPU µs per call, the median of ROUNDS
 * rounds of CALLS calls each (after a warm-up), and the decimal.js operations one call makes, beside a checksum of the order totals so two builds can be
 * seen to price alike.
 *
 *   node --import tsx test/bench/price-basket.ts
 *
 * The machine is shared and noisy, so compare builds in the same run: PRICE_BENCH_BASELINE=<dir> names
 * another checkout's `src/domain` (e.g. `git worktree add --detach /tmp/pre 336e5f7`, with node_modules
 * linked) whose `priceBasket` is measured interleaved with this one's, round by round. A baseline without
 * shipments prices only the single-shipment baskets. PRICE_BENCH_ROUNDS / PRICE_BENCH_CALLS override the
 * defaults (15 rounds of 300 calls).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Money } from '../../src/domain/money.js';
import { priceBasket, type PricingInput } from '../../src/domain/totals.js';
import type { BasketLine, Catalog, CatalogEntry, PricingPolicy, Promotion, ShippingMethod } from '../../src/domain/types.js';

const ROUNDS = Number(process.env.PRICE_BENCH_ROUNDS ?? 15);
const CALLS = Number(process.env.PRICE_BENCH_CALLS ?? 300);
const BASELINE = process.env.PRICE_BENCH_BASELINE;

type Price = (input: PricingInput) => { totals: { orderTotal: { toString(): string } } };

const RATES = ['0.2', '0.1', '0.05'];
const catalog: Catalog = new Map(
  Array.from({ length: 20 }, (_, i): [string, CatalogEntry] => {
    const sku = `SKU-${i}`;
    return [
      sku,
      {
        sku,
        pk: i + 1,
        name: `Product ${i}`,
        taxRate: new Money(RATES[i % 3]!),
        online: true,
        image: null,
        price: new Money(`${9 + i}.99`),
        retailPrice: null,
      },
    ];
  }),
);
const method = (id: string, price: string, freeOver: string | null): ShippingMethod => ({
  id,
  name: id,
  price: new Money(price),
  taxRate: new Money('0.2'),
  freeOver: freeOver === null ? null : new Money(freeOver),
});
const standard = method('standard', '4.99', '500');
const express = method('express', '12.50', null);
const promotion = (code: string, over: Partial<Promotion>): Promotion => ({
  code,
  kind: 'campaign',
  name: code,
  enabled: true,
  startsAt: null,
  endsAt: null,
  discountType: 'percentage',
  discountValue: new Money(10),
  skus: null,
  minAmount: null,
  priority: 0,
  exclusive: false,
  redemptionLimit: null,
  redeemed: 0,
  ...over,
});
const promotions: Promotion[] = [
  promotion('ITEM15', { discountValue: new Money(15), skus: ['SKU-0', 'SKU-3', 'SKU-7', 'SKU-12'] }),
  promotion('ORDER5', { discountType: 'amount', discountValue: new Money(5), minAmount: new Money(30) }),
  promotion('WELCOME10', { kind: 'coupon', discountValue: new Money(10) }),
  promotion('FREESHIP', { discountType: 'free_shipping', discountValue: new Money(0), minAmount: new Money(200) }),
];
const policies: Record<string, PricingPolicy> = {
  gross: { currency: 'EUR', taxation: 'gross', taxRoundedAtGroup: false, roundingMode: 'half_up' },
  net: { currency: 'USD', taxation: 'net', taxRoundedAtGroup: true, roundingMode: 'half_even' },
};

function basket(lineCount: number, shipmentCount: 1 | 3, promoted: boolean, policy: PricingPolicy): PricingInput {
  const lines: BasketLine[] = Array.from({ length: lineCount }, (_, i) => ({
    itemId: `item-${i}`,
    sku: `SKU-${i}`,
    quantity: 1 + (i % 4),
    addedUnitPrice: null,
    position: i,
    attributes: {},
    custom: {},
  }));
  // Three shipments: every third line in each of the two extra ones.
  const extra = (k: number) => lines.filter((_, i) => i % 3 === k).map((l) => l.itemId);
  return {
    lines,
    catalog,
    policy,
    shipping: { selectedId: standard.id, method: standard },
    ...(shipmentCount === 3
      ? {
          shipments: [
            { id: 'second', itemIds: extra(1), shipping: { selectedId: express.id, method: express } },
            { id: 'third', itemIds: extra(2), shipping: { selectedId: standard.id, method: standard } },
          ],
        }
      : {}),
    ...(promoted ? { offers: { promotions, coupons: [{ id: 'c1', code: 'welcome10' }], externalOfferCode: null, now: new Date(0) } } : {}),
  };
}

const cases = [1, 5, 20].flatMap((n) =>
  ([1, 3] as const).flatMap((shipments) =>
    [false, true].flatMap((promoted) =>
      Object.entries(policies).map(([taxation, policy]) => ({
        name: `${String(n).padStart(2)} lines, ${shipments} shipment${shipments > 1 ? 's' : ' '}, ${promoted ? 'promotions' : 'plain     '}, ${taxation}`,
        shipments,
        input: basket(n, shipments, promoted, policy),
      })),
    ),
  ),
);

/** CPU µs per call of one round (this process's own CPU time, which a loaded machine disturbs less than wall time). */
function round(price: Price, input: PricingInput): number {
  const start = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) price(input);
  const spent = process.cpuUsage(start);
  return (spent.user + spent.system) / CALLS;
}

/**
 * Decimal operations per call, counted on decimal.js's shared prototype (every clone, the baseline's too,
 * uses it): a figure the machine's load cannot disturb. Counting slows the calls, so it runs apart.
 */
const COUNTED = ['plus', 'minus', 'times', 'dividedBy', 'toDecimalPlaces', 'comparedTo', 'pow', 'round'] as const;
function decimalOps(price: Price, input: PricingInput): number {
  const proto = Object.getPrototypeOf(new Money(0)) as Record<string, (...args: unknown[]) => unknown>;
  const originals = COUNTED.map((name) => proto[name]!);
  let ops = 0;
  COUNTED.forEach((name, k) => {
    proto[name] = function (this: unknown, ...args: unknown[]) {
      ops++;
      return originals[k]!.apply(this, args);
    };
  });
  try {
    price(input);
  } finally {
    COUNTED.forEach((name, k) => (proto[name] = originals[k]!));
  }
  return ops;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const builds: { name: string; price: Price; shipments: boolean }[] = [{ name: 'this', price: priceBasket, shipments: true }];
  if (BASELINE) {
    const mod = (await import(pathToFileURL(path.resolve(BASELINE, 'totals.ts')).href)) as { priceBasket: Price };
    const shipments = (await import(pathToFileURL(path.resolve(BASELINE, 'shipments.ts')).href).then(
      () => true,
      () => false,
    )) as boolean;
    builds.push({ name: 'baseline', price: mod.priceBasket, shipments });
  }
  console.log(`priceBasket, CPU µs per call (median of ${ROUNDS} rounds × ${CALLS} calls) and decimal.js operations per call`);
  console.log(
    [
      'case'.padEnd(50),
      ...builds.map((b) => b.name.padStart(10)),
      BASELINE ? '   ratio' : '',
      ...builds.map((b) => `ops ${b.name}`.padStart(13)),
      '  order total',
    ].join(''),
  );
  // Warm every build on every case first, so the first cases are not measured while the JIT still compiles.
  for (let r = 0; r < 3; r++) for (const c of cases) for (const b of builds) if (c.shipments === 1 || b.shipments) round(b.price, c.input);
  for (const c of cases) {
    const runnable = builds.filter((b) => c.shipments === 1 || b.shipments);
    for (const b of runnable) round(b.price, c.input); // warm-up
    const samples = runnable.map(() => [] as number[]);
    for (let r = 0; r < ROUNDS; r++) runnable.forEach((b, k) => samples[k]!.push(round(b.price, c.input)));
    const medians = samples.map(median);
    const cells = builds.map((b) => {
      const k = runnable.indexOf(b);
      return (k < 0 ? '—' : medians[k]!.toFixed(1)).padStart(10);
    });
    const ops = runnable.map((b) => decimalOps(b.price, c.input));
    const opCells = builds.map((b) => {
      const k = runnable.indexOf(b);
      return (k < 0 ? '—' : String(ops[k])).padStart(13);
    });
    const ratio = BASELINE && medians.length > 1 ? (medians[0]! / medians[1]!).toFixed(2).padStart(8) : BASELINE ? '       —' : '';
    const totals = runnable.map((b) => b.price(c.input).totals.orderTotal.toString());
    const agree = totals.every((t) => t === totals[0]) ? '' : ` (baseline ${totals.slice(1).join(', ')})`;
    console.log([c.name.padEnd(50), ...cells, ratio, ...opCells, `  ${totals[0]}${agree}`].join(''));
  }
}

await main();
