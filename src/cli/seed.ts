/**
 * `npm run seed`: loads a small demo catalogue (products, prices in the default price list, stock in the
 * default stock list) straight into PostgreSQL, creating and migrating the database first if needed.
 * Safe to run again: everything is an upsert.
 */
import { loadConfig } from '../config.js';
import { createLogger } from '../bootstrap/logger.js';
import { createDatabase } from '../persistence/database.js';
import { prepareDatabase } from '../bootstrap/resources.js';
import { upsertPriceList, upsertProducts, upsertStockList } from '../persistence/catalog.repository.js';

const DEMO = [
  { sku: 'GUITAR-1020583031', name: 'Acoustic guitar', tax_rate: '0.18', price: '120.00', retail: '200.00', stock: 51 },
  { sku: 'STRINGS-0101', name: 'Guitar strings (set of 6)', tax_rate: '0.18', price: '9.99', retail: null, stock: 500 },
  { sku: 'PICKS-0042', name: 'Picks (12 pack)', tax_rate: '0.08', price: '4.50', retail: '5.00', stock: 1000 },
  { sku: 'AMP-15W', name: 'Practice amplifier 15 W', tax_rate: '0.18', price: '89.90', retail: null, stock: 20 },
  { sku: 'BOOK-METHOD-1', name: 'Guitar method book', tax_rate: '0.00', price: '24.00', retail: null, stock: 100 },
  { sku: 'CAPO-7', name: 'Capo', tax_rate: '0.18', price: '14.95', retail: '19.95', stock: 3 },
];

const config = loadConfig();
const logger = createLogger(config, 'seed');
const db = createDatabase(config.DATABASE_URL, 2);
try {
  await prepareDatabase(config, db, logger);
  const pks = await upsertProducts(db, DEMO.map((p) => ({ sku: p.sku, name: p.name, tax_rate: p.tax_rate, online: true, image: null, attributes: {} })));
  await upsertPriceList(db, 'default', 'USD', DEMO.map((p) => ({ sku: p.sku, price: p.price, retail_price: p.retail })));
  await upsertStockList(db, 'default', DEMO.map((p) => ({ sku: p.sku, quantity: p.stock })));
  logger.info({ products: pks }, 'demo catalogue loaded into site "default"');
} finally {
  await db.destroy();
}
