/** A stock view for the pure reservation planners' tests: a tracked SKU with 10 on hand, nothing reserved or held, unless `over` says otherwise. */
import type { StockView } from '../../src/domain/reservation.js';

export const stockView = (sku: string, over: Partial<StockView> = {}): StockView => ({
  sku,
  tracked: true,
  onHand: 10,
  reserved: 0,
  reclaimable: 0,
  ours: 0,
  oursExpiresAt: null,
  ...over,
});
