/**
 * One retention run: old mutation-log rows, then old deleted and abandoned baskets, each in batches of
 * `batch` rows, at most `maxBatches` batches per kind per run (the next run goes on), pausing between
 * batches so the sweep never competes with shoppers for long.
 * The mutation log is kept at least as long as Idempotency-Key tickets live, so a repeat within the
 * ticket's lifetime always finds its first outcome.
 */
import type { Db } from '../persistence/database.js';
import { deleteOldBaskets, deleteOldMutations } from '../persistence/retention.repository.js';

export interface RetentionPolicy {
  readonly mutationSeconds: number;
  readonly deletedBasketSeconds: number;
  readonly abandonedBasketSeconds: number;
  readonly batch: number;
  readonly maxBatches: number;
  readonly pauseMs: number;
}

export async function sweepRetention(db: Db, policy: RetentionPolicy, now: Date): Promise<{ mutations: number; baskets: number }> {
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  const drain = async (step: () => Promise<number>) => {
    let total = 0;
    for (let i = 0; i < policy.maxBatches; i++) {
      const n = await step();
      total += n;
      if (n < policy.batch) break;
      if (policy.pauseMs > 0) await new Promise((r) => setTimeout(r, policy.pauseMs));
    }
    return total;
  };
  const mutations = await drain(() => deleteOldMutations(db, ago(policy.mutationSeconds), policy.batch));
  const baskets = await drain(() => deleteOldBaskets(db, ago(policy.deletedBasketSeconds), ago(policy.abandonedBasketSeconds), policy.batch));
  return { mutations, baskets };
}
