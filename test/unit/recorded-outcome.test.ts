/**
 * One function turns a stored mutation record into its outcome (application/recorded-outcome.ts), for
 * an idempotent repeat, a redelivered job and a failure whose write had committed.
 */
import { describe, expect, it } from 'vitest';
import { outcomeOfRecord } from '../../src/application/recorded-outcome.js';
import type { BasketSnapshot } from '../../src/contracts/basket-snapshot.js';

const ids = { mutationId: 'm-1', basketId: 'b-1' };
const snapshotAt = (version: number) => ({ id: 'b-1', version }) as unknown as BasketSnapshot;
/** A loader of the current snapshot that counts its reads. */
function current(snapshot: BasketSnapshot | null) {
  const loader = async () => {
    loader.reads++;
    return snapshot;
  };
  loader.reads = 0;
  return loader;
}

describe('outcomeOfRecord', () => {
  it('answers an applied record with its stored result and version, without reading the basket', async () => {
    const load = current(snapshotAt(9));
    const outcome = await outcomeOfRecord({ status: 'applied', error: null, version: 4, result: snapshotAt(4) }, ids, load);
    expect(outcome).toEqual({ status: 'applied', mutationId: 'm-1', basketId: 'b-1', version: 4, snapshot: snapshotAt(4) });
    expect(load.reads).toBe(0);
  });

  it("lets the basket's current snapshot, and its version, stand in for an applied record without a result", async () => {
    const load = current(snapshotAt(9));
    const outcome = await outcomeOfRecord({ status: 'applied', error: null, version: 4, result: null }, ids, load);
    expect(outcome).toEqual({ status: 'applied', mutationId: 'm-1', basketId: 'b-1', version: 9, snapshot: snapshotAt(9) });
    expect(load.reads).toBe(1);
  });

  it('is null for an applied record with neither result nor basket', async () => {
    expect(await outcomeOfRecord({ status: 'applied', error: null, version: 4, result: null }, ids, current(null))).toBeNull();
  });

  it('answers a rejected or failed record with its stored error and version (a missing error as an internal one)', async () => {
    const load = current(snapshotAt(9));
    const error = { code: 'out_of_stock', message: 'Not enough stock.' };
    expect(await outcomeOfRecord({ status: 'rejected', error, version: 3, result: null }, ids, load)).toEqual({
      status: 'rejected',
      ...ids,
      version: 3,
      error,
    });
    expect(await outcomeOfRecord({ status: 'failed', error: null, version: null, result: null }, ids, load)).toEqual({
      status: 'failed',
      ...ids,
      version: null,
      error: { code: 'internal_error', message: 'unknown failure' },
    });
    expect(load.reads).toBe(0);
  });
});
