/**
 * The ordered list of migrations, imported statically so every runtime (tsx, vitest, a bundler) loads
 * them the same way. Add each new migration file here; names sort in the order they run.
 */
import type { Migration } from 'kysely';
import * as initialSchema from './2026-11-23T00-00-00_initial-schema.js';
import * as defaultSite from './2026-11-23T00-00-01_default-site.js';
import * as reservations from './2026-11-23T00-00-02_reservations.js';
import * as basketSourceCode from './2026-11-23T00-00-03_basket-source-code.js';
import * as basketCheckout from './2026-11-23T00-00-04_basket-checkout.js';
import * as shippingMethods from './2026-11-23T00-00-05_shipping-methods.js';
import * as priceAdjustments from './2026-11-23T00-00-06_price-adjustments.js';
import * as promotionsAndPayment from './2026-11-23T00-00-07_promotions-and-payment.js';
import * as promotionCodesCaseInsensitive from './2026-11-23T00-00-08_promotion-codes-case-insensitive.js';
import * as retentionIndexes from './2026-12-03T00-11-00_retention-indexes.js';
import * as giftLinesDefaultShipping from './2026-12-03T00-12-00_gift-lines-default-shipping.js';
import * as stockRevisits from './2026-12-03T00-15-00_stock-revisits.js';
import * as akinonPks from './2026-12-03T00-16-00_akinon-pks.js';
import * as mutationResultJson from './2026-12-03T00-17-00_mutation-result-json.js';
import * as reservationsOneWrite from './2026-12-03T00-18-00_reservations-one-write.js';
import * as stockRevisitLocks from './2026-12-03T14-00-00_stock-revisit-locks.js';
import * as basketHotUpdates from './2026-12-03T15-00-00_basket-hot-updates.js';
import * as perfWriteSnapshotOnce from './2026-12-03T15-10-00_perf-write-snapshot-once.js';
import * as perfWriteResultLz4 from './2026-12-03T15-20-00_perf-write-result-lz4.js';
import * as storePickup from './2026-12-03T16-00-00_store-pickup.js';
import * as reservationsConflictCheckIndexed from './2026-12-03T19-00-00_reservations-conflict-check-indexed.js';
import * as mutationRecordsInline from './2026-12-03T19-10-00_mutation-records-inline.js';
import * as reservationsFillfactor from './2026-12-03T19-20-00_reservations-fillfactor.js';
import * as referenceVersion from './2026-12-03T21-00-00_reference-version.js';
import * as reservationsFewerStatements from './2026-12-03T21-10-00_reservations-fewer-statements.js';

export const migrations: Record<string, Migration> = {
  '2026-11-23T00-00-00_initial-schema': initialSchema,
  '2026-11-23T00-00-01_default-site': defaultSite,
  '2026-11-23T00-00-02_reservations': reservations,
  '2026-11-23T00-00-03_basket-source-code': basketSourceCode,
  '2026-11-23T00-00-04_basket-checkout': basketCheckout,
  '2026-11-23T00-00-05_shipping-methods': shippingMethods,
  '2026-11-23T00-00-06_price-adjustments': priceAdjustments,
  '2026-11-23T00-00-07_promotions-and-payment': promotionsAndPayment,
  '2026-11-23T00-00-08_promotion-codes-case-insensitive': promotionCodesCaseInsensitive,
  '2026-12-03T00-11-00_retention-indexes': retentionIndexes,
  '2026-12-03T00-12-00_gift-lines-default-shipping': giftLinesDefaultShipping,
  '2026-12-03T00-15-00_stock-revisits': stockRevisits,
  '2026-12-03T00-16-00_akinon-pks': akinonPks,
  '2026-12-03T00-17-00_mutation-result-json': mutationResultJson,
  '2026-12-03T00-18-00_reservations-one-write': reservationsOneWrite,
  '2026-12-03T14-00-00_stock-revisit-locks': stockRevisitLocks,
  '2026-12-03T15-00-00_basket-hot-updates': basketHotUpdates,
  '2026-12-03T15-10-00_perf-write-snapshot-once': perfWriteSnapshotOnce,
  '2026-12-03T15-20-00_perf-write-result-lz4': perfWriteResultLz4,
  '2026-12-03T16-00-00_store-pickup': storePickup,
  '2026-12-03T19-00-00_reservations-conflict-check-indexed': reservationsConflictCheckIndexed,
  '2026-12-03T19-10-00_mutation-records-inline': mutationRecordsInline,
  '2026-12-03T19-20-00_reservations-fillfactor': reservationsFillfactor,
  '2026-12-03T21-00-00_reference-version': referenceVersion,
  '2026-12-03T21-10-00_reservations-fewer-statements': reservationsFewerStatements,
};
