/**
 * insert-new-basket — a new basket's first row (no lines, nothing held, no document yet), written in the
 * same transaction just before the change that comes with its creation (`writeCreatedWithChange`), which
 * then writes over it like any change (reservations, lines, codes, the mutation record, the snapshot).
 *
 * Inputs:  basketId, ownerId, siteId, currency, version (the created basket's, 1), agentBasket, custom
 *          (JSON text), createdAt (also its updated_at).
 * Output:  `pk` of the new row; no row when a basket with that id exists already (created meanwhile).
 * Locks:   the new `baskets` row (the primary key's conflict makes a concurrent creation lose cleanly).
 */
import { defineStatement } from '../statement.js';

export interface InsertNewBasketInput {
  readonly basketId: string;
  readonly ownerId: string;
  readonly siteId: string;
  readonly currency: string;
  readonly version: number;
  readonly agentBasket: boolean;
  readonly custom: string;
  readonly createdAt: Date;
}

export const insertNewBasket = defineStatement<InsertNewBasketInput, { pk: number | string }>(
  'insert_new_basket',
  (p) => `insert into baskets (id, owner_id, site_id, currency, status, version, agent_basket, custom, snapshot, created_at, updated_at)
   values (${p.basketId}, ${p.ownerId}, ${p.siteId}, ${p.currency}, 'active', ${p.version}, ${p.agentBasket}, ${p.custom}::jsonb, null, ${p.createdAt}, ${p.createdAt})
   on conflict (id) do nothing
   returning pk`,
);
