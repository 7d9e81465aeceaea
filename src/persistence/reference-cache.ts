/**
 * Reference data a worker process keeps between mutations: per site, its shipping and payment methods, its
 * campaigns, the catalogue entries (priced by its price list) and the coded promotions it has read, absent
 * ones included. Everything is tagged with the `reference_version` it was read at (see the perf-read
 * migration): the read statement is told the version held and returns the data again whenever the stored
 * version differs, in the same snapshot as everything else it reads, so a stale entry is never used.
 *
 * Contract for callers: `hold(siteId)` before the read (the entry and its version are captured then, so a
 * concurrent read that installs a newer version cannot swap the data under this one); after the read,
 * `SiteReference.add*` only on an entry whose version the read confirmed, and `install` for a fresh one.
 * Entries of one version only ever grow (a version's data never changes), and are bounded per map
 * (`maxEntries`: past it the map starts again; a miss costs one read, never a wrong answer).
 */
import type { CatalogEntry, PaymentMethod, Promotion, ShippingMethod } from '../domain/types.js';

/** What the worker holds of one site at one reference version. */
export class SiteReference {
  /** SKU → entry, or null: the SKU has no product. */
  readonly catalog = new Map<string, CatalogEntry | null>();
  /** Upper-cased code → its (non-campaign) promotion, or null: no promotion of the site has that code. */
  readonly coded = new Map<string, Promotion | null>();

  constructor(
    readonly version: string,
    readonly siteId: string,
    readonly shippingMethods: ReadonlyMap<string, ShippingMethod>,
    readonly paymentMethods: ReadonlyMap<string, PaymentMethod>,
    readonly campaigns: readonly Promotion[],
    private readonly maxEntries: number,
  ) {}

  addCatalog(sku: string, entry: CatalogEntry | null): void {
    if (this.catalog.size >= this.maxEntries && !this.catalog.has(sku)) this.catalog.clear();
    this.catalog.set(sku, entry);
  }

  addCoded(key: string, promotion: Promotion | null): void {
    if (this.coded.size >= this.maxEntries && !this.coded.has(key)) this.coded.clear();
    this.coded.set(key, promotion);
  }
}

export class ReferenceCache {
  private version: bigint = -1n;
  private readonly sites = new Map<string, SiteReference>();

  /** `maxEntries`: catalogue entries (and codes) kept per site before that map starts again. */
  constructor(readonly maxEntries = 20_000) {}

  /** The entry held for `siteId` (at the newest version this process has seen), or null. */
  hold(siteId: string | null): SiteReference | null {
    return siteId === null ? null : (this.sites.get(siteId) ?? null);
  }

  /** A site's data read whole at `version`; kept unless this process has seen a newer version meanwhile. */
  install(entry: SiteReference): void {
    const version = BigInt(entry.version);
    if (version < this.version) return;
    if (version > this.version) {
      this.sites.clear();
      this.version = version;
    }
    this.sites.set(entry.siteId, entry);
  }

  /** Forgets everything (tests, and a process that wants to start cold). */
  clear(): void {
    this.sites.clear();
    this.version = -1n;
  }
}
