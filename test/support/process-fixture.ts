/**
 * The set-up shared by multi-process tests: an in-process API without workers (service processes do
 * the applying), one seeded product, and child processes on the same database and Redis prefix that
 * are always killed when the file's tests end. Call at the top level of a test file.
 */
import { afterAll, beforeAll } from 'vitest';
import { seedProducts, startHarness, testEnv, type Harness, type Product } from './harness.js';
import { startService, stopService, type ServiceProcess } from './processes.js';

export interface ProcessFixture {
  readonly h: Harness;
  readonly env: Record<string, string>;
  readonly sku: string;
  /** Starts `entry` (e.g. `workers/mutation.worker.ts`) with the fixture's environment plus `extra`. */
  spawn(entry: string, extra?: Record<string, string>): ServiceProcess;
}

export function useProcessFixture(product: Omit<Product, 'sku'> & { suffix: string }, envOverrides: Record<string, string> = {}): ProcessFixture {
  const children: ServiceProcess[] = [];
  const fixture = {
    h: undefined as unknown as Harness,
    env: {} as Record<string, string>,
    sku: '',
    spawn(entry: string, extra: Record<string, string> = {}) {
      const p = startService(entry, { ...fixture.env, ...extra });
      children.push(p);
      return p;
    },
  };
  beforeAll(async () => {
    fixture.env = testEnv({ LOG_LEVEL: 'info', ...envOverrides });
    fixture.h = await startHarness({ ...fixture.env, LOG_LEVEL: 'silent' }, { workers: false });
    fixture.sku = `${fixture.h.tag}-${product.suffix}`;
    const { suffix: _suffix, ...rest } = product;
    await seedProducts(fixture.h, [{ ...rest, sku: fixture.sku }]);
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => stopService(c, 'SIGKILL')));
    await fixture.h?.close();
  });
  return fixture;
}
