/**
 * `npm run seed`: loads a small demo catalogue (products, prices in the default price list, stock in the
 * default stock list, a shipping method and promotions on site `default`) straight into PostgreSQL,
 * creating and migrating the database first if needed. Safe to run again: everything is an upsert.
 * The campaign is limited to one demo SKU, so it never touches other catalogues' baskets.
 */
import { loadConfig } from '../config.js';
import { createLogger } from '../bootstrap/logger.js';
import { createDatabase } from '../persistence/database.js';
import { prepareDatabase } from '../bootstrap/resources.js';
import { upsertPriceList, upsertProducts, upsertStockList } from '../persistence/catalog.repository.js';
import { upsertShippingMethod } from '../persistence/site.repository.js';
import { upsertPromotion, type PromotionInput } from '../persistence/promotion.repository.js';

const DEMO = [
  { sku: 'GUITAR-1020583031', name: 'Acoustic guitar', tax_rate: '0.18', price: '120.00', retail: '200.00', stock: 51 },
  { sku: 'STRINGS-0101', name: 'Guitar strings (set of 6)', tax_rate: '0.18', price: '9.99', retail: null, stock: 500 },
  { sku: 'PICKS-0042', name: 'Picks (12 pack)', tax_rate: '0.08', price: '4.50', retail: '5.00', stock: 1000 },
  { sku: 'AMP-15W', name: 'Practice amplifier 15 W', tax_rate: '0.18', price: '89.90', retail: null, stock: 20 },
  { sku: 'BOOK-METHOD-1', name: 'Guitar method book', tax_rate: '0.00', price: '24.00', retail: null, stock: 100 },
  { sku: 'CAPO-7', name: 'Capo', tax_rate: '0.18', price: '14.95', retail: '19.95', stock: 3 },
];

const promotion = (p: Partial<PromotionInput> & Pick<PromotionInput, 'kind' | 'name' | 'discount'>): PromotionInput => ({
  site: 'default', enabled: true, starts_at: null, ends_at: null, skus: null, min_amount: null, priority: 0, exclusive: false, redemption_limit: null, ...p,
});
const PROMOTIONS: Record<string, PromotionInput> = {
  'STRINGS-DEAL': promotion({ kind: 'campaign', name: 'Strings: 1.00 off each set', skus: ['STRINGS-0101'], discount: { type: 'amount', value: '1.00' } }),
  WELCOME10: promotion({ kind: 'coupon', name: 'Welcome: 10% off', discount: { type: 'percentage', value: '10' }, redemption_limit: 1000 }),
  FREESHIP: promotion({ kind: 'coupon', name: 'Free shipping over 50', discount: { type: 'free_shipping' }, min_amount: '50' }),
};

const config = loadConfig();
const logger = createLogger(config, 'seed');
const db = createDatabase(config.DATABASE_URL, 2);
try {
  await prepareDatabase(config, db, logger);
  const pks = await upsertProducts(db, DEMO.map((p) => ({ sku: p.sku, name: p.name, tax_rate: p.tax_rate, online: true, image: null, attributes: {} })));
  await upsertPriceList(db, 'default', 'USD', DEMO.map((p) => ({ sku: p.sku, price: p.price, retail_price: p.retail })));
  await upsertStockList(db, 'default', DEMO.map((p) => ({ sku: p.sku, quantity: p.stock })));
  await upsertShippingMethod(db, 'default', 'standard', { name: 'Standard (3-5 days)', price: '4.99', tax_rate: '0.18', free_over: '150' });
  for (const [code, p] of Object.entries(PROMOTIONS)) await upsertPromotion(db, code, p);
  logger.info({ products: pks, promotions: Object.keys(PROMOTIONS) }, 'demo catalogue loaded into site "default"');
} finally {
  await db.destroy();
}
