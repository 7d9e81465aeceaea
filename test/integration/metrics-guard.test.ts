/**
 * /metrics is not anonymous (Bearer METRICS_TOKEN or admin credentials), and lane gauges come from a
 * timed pass shared by every scrape: many scrapers cost Redis no job-count calls of their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { newMutationId } from '../../src/application/ids.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ METRICS_TOKEN: 'metrics-secret-1', METRICS_LANE_INTERVAL_MS: '300' }, { workers: false });
});
afterAll(async () => h?.close());

const scrape = (headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url: '/metrics', headers });

describe('/metrics', () => {
  it('answers 401 without METRICS_TOKEN or admin credentials', async () => {
    const anonymous = await scrape();
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/problem\+json/);
    expect(anonymous.body).not.toContain('basket_lane_jobs');
    expect((await scrape({ authorization: 'Bearer wrong-token-123' })).statusCode).toBe(401);
    expect((await scrape({ authorization: `Bearer ${h.tokens.sign('shopper')}` })).statusCode).toBe(401);
    expect((await scrape({ authorization: 'Bearer metrics-secret-1' })).statusCode).toBe(200);
    expect((await scrape(h.adminHeaders)).statusCode).toBe(200);
  });

  it('serves lane gauges from the timed pass: scrapes make no job-count calls, and the figures follow the lanes', async () => {
    const lanes = h.api.lanes.all();
    let calls = 0;
    for (const q of lanes) {
      const original = q.getJobCounts.bind(q);
      q.getJobCounts = ((...types: Parameters<typeof original>) => {
        calls++;
        return original(...types);
      }) as typeof q.getJobCounts;
    }
    const passesBefore = h.res.metrics.lanePasses;
    const started = Date.now();
    const scrapes = await Promise.all(Array.from({ length: 40 }, () => scrape({ authorization: 'Bearer metrics-secret-1' })));
    expect(scrapes.every((r) => r.statusCode === 200)).toBe(true);
    const passes = h.res.metrics.lanePasses - passesBefore;
    // Only the timer's passes counted (at most one more in flight), never one per scrape.
    expect(calls).toBeLessThanOrEqual(lanes.length * (passes + 1 + Math.ceil((Date.now() - started) / 300)));
    expect(calls).toBeLessThan(40 * lanes.length);

    // A job waiting in lane 0 (no worker here) shows after the next passes.
    const basketId = '00000000-0000-4000-8000-000000000001';
    const lane = h.api.lanes.laneFor(basketId);
    await h.api.lanes.add({ mutationId: newMutationId(), basketId, ownerId: 'o', role: 'customer', command: { kind: 'recalculate' }, idempotencyKey: null, requestHash: null, enqueuedAt: new Date().toISOString(), replyTo: null });
    const target = h.res.metrics.lanePasses + 2;
    while (h.res.metrics.lanePasses < target) await new Promise((r) => setTimeout(r, 50));
    const text = (await scrape({ authorization: 'Bearer metrics-secret-1' })).body;
    expect(text).toContain(`basket_lane_jobs{queue="basket-mutations-${lane}",state="waiting",process="basket"} 1`);
  });
});
