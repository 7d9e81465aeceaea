/**
 * A customer's baskets on a site (SCAPI Shopper Customers getCustomerBaskets, OCAPI
 * `GET /customers/{customer_id}/baskets`): how a storefront such as PWA Kit finds the shopper's current
 * basket. Only the caller's own (agents: anyone's). Each basket is the dialect's cached rendering, so a
 * listing costs what reading each basket costs.
 */
import type { ApiDeps } from '../deps.js';
import type { Principal } from '../../auth/tokens.js';
import type { BasketSnapshot } from '../../contracts/basket-snapshot.js';
import { customerBasketIds } from '../../application/customer-baskets.js';
import { ApiError } from '../errors.js';

/** How many baskets a listing shows (SFCC keeps a handful per customer; the newest comes first). */
export const MAX_LISTED_BASKETS = 10;

export interface BasketListing {
  /** The baskets' documents as rendered JSON text, newest first. */
  readonly documents: readonly string[];
  readonly total: number;
}

export async function customerBaskets(
  deps: ApiDeps,
  principal: Principal,
  customerId: string,
  siteId: string,
  rendering: string,
  render: (s: BasketSnapshot) => string,
): Promise<BasketListing> {
  if (principal.role !== 'agent' && principal.sub !== customerId) throw new ApiError('forbidden', 'A shopper may list only its own baskets.');
  const { ids, total } = await customerBasketIds(deps.db, customerId, siteId, MAX_LISTED_BASKETS);
  const documents: string[] = [];
  for (const id of ids) {
    const read = await deps.reader.head(id, 0, rendering);
    // A basket deleted or moved between the listing and its read is left out.
    if (!read || read.head.status !== 'active' || read.head.ownerId !== customerId) continue;
    const doc = await deps.reader.render(id, read, rendering, render);
    if (doc) documents.push(doc.text);
  }
  return { documents, total: Math.max(documents.length, total - (ids.length - documents.length)) };
}

/** The listing as a JSON object text: `{…prefix fields, "baskets": [...], "total": n}` without re-parsing the documents. */
export function listingText(listing: BasketListing, head: Readonly<Record<string, unknown>> = {}): string {
  const fields = Object.entries(head).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `{${[...fields, `"baskets":[${listing.documents.join(',')}]`, `"total":${listing.total}`].join(',')}}`;
}
