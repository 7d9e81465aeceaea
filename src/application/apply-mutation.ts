/**
 * The use case at the heart of the service: apply one mutation in one PostgreSQL transaction.
 *
 *   lock basket row (FOR UPDATE) → already recorded? return that outcome (exactly-once)
 *   → load lines and catalogue → pure apply + price → write basket, lines and mutation record.
 *
 * Call it only from the lane worker: the lane keeps one job per basket at a time, and the row lock plus
 * the mutation record's primary key keep the guarantees even when BullMQ redelivers a stalled job.
 * Throws only for infrastructure errors (see `isTransientError`); business rejections are outcomes.
 */
import { applyMutation, skusInvolved } from '../domain/mutations.js';
import { priceBasket } from '../domain/totals.js';
import type { Basket, SitePolicy } from '../domain/types.js';
import type { Db } from '../persistence/database.js';
import { allocateBasketPk, lockBasket, loadLines, toBasket, writeMutationOutcome, type MutationRecord } from '../persistence/basket.repository.js';
import { loadCatalog } from '../persistence/catalog.repository.js';
import { findMutation } from '../persistence/mutation.repository.js';
import { findSite } from '../persistence/site.repository.js';
import { buildSnapshot, type BasketSnapshot } from './basket-snapshot.js';
import { lineItemId } from './ids.js';
import type { MutationJob, MutationOutcome } from './mutation-job.js';

export interface ApplyDeps {
  readonly db: Db;
  readonly limits: { readonly maxLineQuantity: number; readonly maxLines: number };
  readonly now: () => Date;
}

export interface ApplyResult {
  readonly outcome: MutationOutcome;
  /** True when the mutation had already been recorded (a redelivered job): nothing was changed. */
  readonly duplicate: boolean;
}

export async function applyMutationJob(deps: ApplyDeps, job: MutationJob): Promise<ApplyResult> {
  return deps.db.transaction().execute(async (trx) => {
    const locked = await lockBasket(trx, job.basketId);
    const recorded = await findMutation(trx, job.mutationId);
    if (recorded) {
      if (recorded.status === 'applied') {
        const snapshot = (recorded.result ?? locked?.row.snapshot) as BasketSnapshot;
        return { duplicate: true, outcome: { status: 'applied', mutationId: job.mutationId, basketId: job.basketId, version: recorded.version!, snapshot } };
      }
      const error = recorded.error ?? { code: 'internal_error', message: 'unknown failure' };
      return { duplicate: true, outcome: { status: recorded.status, mutationId: job.mutationId, basketId: job.basketId, version: recorded.version, error } };
    }

    let before: Basket | null = null;
    let site: SitePolicy | null = null;
    let pk = 0;
    if (locked) {
      // Another customer's basket is treated exactly like a missing one (no existence leak).
      const visible = locked.row.owner_id === job.ownerId || job.role === 'agent';
      if (visible) {
        before = toBasket(locked.row, await loadLines(trx, job.basketId));
        site = locked.site;
        pk = locked.pk;
      }
    } else if (job.command.kind === 'create_basket') {
      site = await findSite(trx, job.command.siteId);
    }

    const now = deps.now();
    const record: MutationRecord = {
      id: job.mutationId,
      basketId: job.basketId,
      ownerId: job.ownerId,
      idempotencyKey: job.idempotencyKey,
      requestHash: job.requestHash,
      kind: job.command.kind,
      payload: job.command,
      enqueuedAt: new Date(job.enqueuedAt),
      finishedAt: now,
    };
    const reject = async (code: string, message: string): Promise<ApplyResult> => {
      const version = before?.version ?? null;
      await writeMutationOutcome(trx, record, { status: 'rejected', rejection: { code: code as never, message }, version });
      return { duplicate: false, outcome: { status: 'rejected', mutationId: job.mutationId, basketId: job.basketId, version, error: { code, message } } };
    };

    if (locked && before === null) return reject('basket_not_found', `No basket with id '${job.basketId}'.`);
    if (job.command.kind === 'create_basket' && site === null) return reject('site_not_found', `No site '${job.command.siteId}'.`);

    const catalog = site ? await loadCatalog(trx, site.priceList, skusInvolved(before, job.command)) : new Map();
    const result = applyMutation(before, job.command, {
      basketId: job.basketId,
      ownerId: job.ownerId,
      now,
      catalog,
      limits: deps.limits,
      ...(site ? { siteCurrency: site.currency } : {}),
      newItemId: (n) => lineItemId(job.mutationId, n),
    });
    if (result.outcome === 'rejected') return reject(result.rejection.code, result.rejection.message);

    const after = result.basket;
    const policy: SitePolicy = { ...site!, currency: after.currency };
    const priced = priceBasket(after.lines, catalog, policy);
    if (before === null) pk = await allocateBasketPk(trx);
    const snapshot = buildSnapshot(after, pk, policy, priced);
    await writeMutationOutcome(trx, record, { status: 'applied', before, after, totals: priced.totals, pk, snapshot });
    return { duplicate: false, outcome: { status: 'applied', mutationId: job.mutationId, basketId: job.basketId, version: after.version, snapshot } };
  });
}
