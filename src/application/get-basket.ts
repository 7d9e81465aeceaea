/**
 * The read path: the cached snapshot first; PostgreSQL's stored snapshot when the cache has none or is
 * older than a version the caller already knows (`minVersion`, from If-None-Match); then refill the
 * cache (compare-and-set, so a refill never overwrites a newer version a worker just wrote).
 *
 * Reads are split so the common cases stay cheap: `head` answers authorisation and 304s from four
 * small hash fields; `render` returns a dialect's document, rendered once per version and shared by
 * every API instance through the cache.
 */
import type { Db } from '../persistence/database.js';
import { loadSnapshot } from '../persistence/basket.repository.js';
import { appliedVersions } from '../persistence/mutation-log.repository.js';
import type { SnapshotCache, SnapshotHead } from '../cache/snapshot-cache.js';
import type { BasketSnapshot } from '../contracts/basket-snapshot.js';

export interface BasketRead {
  readonly head: SnapshotHead;
  /** A rendering found in the cache for the dialect asked about, or null. */
  readonly rendered: string | null;
  /** The snapshot when it is already at hand (read from PostgreSQL), else null. */
  readonly snapshot: BasketSnapshot | null;
}

export class BasketReader {
  constructor(private readonly deps: { readonly db: Db; readonly cache: SnapshotCache; readonly onCache?: (hit: boolean) => void }) {}

  /** Null when the basket does not exist (whoever asks: callers turn that and foreign baskets into 404). */
  async head(basketId: string, minVersion = 0, dialect: string | null = null): Promise<BasketRead | null> {
    const cached = await this.deps.cache.readHead(basketId, dialect).catch(() => null);
    if (cached && cached.head.version >= minVersion) {
      this.deps.onCache?.(true);
      return { ...cached, snapshot: null };
    }
    this.deps.onCache?.(false);
    const stored = await this.fromDatabase(basketId);
    if (!stored) return null;
    return { head: { version: stored.version, ownerId: stored.ownerId, siteId: stored.siteId, status: stored.status }, rendered: null, snapshot: stored };
  }

  /** The full snapshot at the version `read` saw, or a newer one. */
  async snapshot(basketId: string, read: BasketRead): Promise<BasketSnapshot | null> {
    if (read.snapshot) return read.snapshot;
    const body = await this.deps.cache.readBody(basketId, read.head.version).catch(() => null);
    return body ? (JSON.parse(body) as BasketSnapshot) : this.fromDatabase(basketId);
  }

  /** The dialect's document for the basket: the cached rendering, or rendered now and shared. */
  async render(basketId: string, read: BasketRead, dialect: string, render: (s: BasketSnapshot) => string): Promise<{ version: number; text: string } | null> {
    if (read.rendered !== null) return { version: read.head.version, text: read.rendered };
    const snapshot = await this.snapshot(basketId, read);
    if (!snapshot) return null;
    const text = render(snapshot);
    await this.deps.cache.storeRendering(basketId, snapshot.version, dialect, text).catch(() => undefined);
    return { version: snapshot.version, text };
  }

  /** Exactly `version`'s document from the cache (a stream's next version), or null (not cached, or the cache is unreachable). */
  async cachedVersion(basketId: string, version: number): Promise<BasketSnapshot | null> {
    const body = await this.deps.cache.readBody(basketId, version).catch(() => null);
    return body ? (JSON.parse(body) as BasketSnapshot) : null;
  }

  /**
   * Applied versions in (`after`, `upTo`], oldest first, at most `limit`, each with the document it made,
   * from the mutation log (null for a record written before the log kept documents): what a stream missed.
   */
  async appliedVersions(basketId: string, after: number, upTo: number, limit: number): Promise<{ version: number; snapshot: BasketSnapshot | null }[]> {
    const rows = await appliedVersions(this.deps.db, basketId, after, upTo, limit);
    return rows.map((r) => ({ version: r.version, snapshot: r.result as BasketSnapshot | null }));
  }

  private async fromDatabase(basketId: string): Promise<BasketSnapshot | null> {
    const stored = (await loadSnapshot(this.deps.db, basketId)) as BasketSnapshot | null;
    if (stored) await this.deps.cache.writeIfNewer(stored).catch(() => undefined);
    return stored;
  }
}
