/**
 * The read path: the cached snapshot first; PostgreSQL's stored snapshot when the cache has none or is
 * older than a version the caller already knows (`minVersion`, from If-None-Match); then refill the
 * cache (compare-and-set, so a refill never overwrites a newer version a worker just wrote).
 */
import type { Db } from '../persistence/database.js';
import { loadSnapshot } from '../persistence/basket.repository.js';
import type { SnapshotCache } from '../cache/snapshot-cache.js';
import type { BasketSnapshot } from './basket-snapshot.js';

export interface BasketRead {
  readonly version: number;
  readonly snapshot: () => BasketSnapshot;
  readonly source: 'cache' | 'database';
}

export class BasketReader {
  constructor(private readonly deps: { readonly db: Db; readonly cache: SnapshotCache; readonly onCache?: (hit: boolean) => void }) {}

  async read(basketId: string, minVersion = 0): Promise<BasketRead | null> {
    const cached = await this.deps.cache.read(basketId).catch(() => null);
    if (cached && cached.version >= minVersion) {
      this.deps.onCache?.(true);
      let parsed: BasketSnapshot | undefined;
      return { version: cached.version, source: 'cache', snapshot: () => (parsed ??= JSON.parse(cached.body) as BasketSnapshot) };
    }
    this.deps.onCache?.(false);
    const stored = (await loadSnapshot(this.deps.db, basketId)) as BasketSnapshot | null;
    if (!stored) return null;
    await this.deps.cache.writeIfNewer(stored).catch(() => undefined);
    return { version: stored.version, source: 'database', snapshot: () => stored };
  }
}
