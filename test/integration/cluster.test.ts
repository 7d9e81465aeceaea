/**
 * The service on a real Redis Cluster (3 masters + 3 replicas started by the test, shared by this file):
 * every key pattern keeps its slot rule, replies and basket event streams go over sharded pub/sub, /ready checks every
 * master, and the pipeline's invariants hold — per-basket order and exactly-once, reservations under
 * a flash sale, concurrent basket merges, a hot basket moved to its hot lane, and a rolling restart of worker processes under load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ownCluster, type OwnCluster } from '../support/own-cluster.js';
import { addInSequence, createBaskets, eventually, OCAPI, seedProducts, Shopper, startHarness, testEnv, type Harness } from '../support/harness.js';
import { startService, stopService, type ServiceProcess } from '../support/processes.js';
import { countMutations, expectAppliedInOrder } from '../support/invariants.js';
import { isCluster, masters, scanKeys } from '../../src/redis/client.js';
import { routeKey } from '../../src/queue/basket-backpressure.js';
import { expectHotBasketInvariants, hammerOneBasket } from '../support/hot-basket.js';

let cluster: OwnCluster;
let h: Harness;
let env: Record<string, string>;
const children: ServiceProcess[] = [];

beforeAll(async () => {
  cluster = await ownCluster();
  env = testEnv({ REDIS_CLUSTER_NODES: cluster.nodesEnv, LANES: '8', EXPIRY_SWEEP_MS: '500', SSE_HEARTBEAT_MS: '300' });
  h = await startHarness(env, { scheduler: true });
}, 120_000);

afterAll(async () => {
  await Promise.all(children.map((c) => stopService(c, 'SIGKILL')));
  await h?.close().catch(() => undefined);
  await cluster?.destroy();
});

const ORG = '/checkout/shopper-baskets/v1/organizations/f_ecom_test';
const q = '?siteId=default';
const slot = async (key: string) => (await h.res.redis.cluster('KEYSLOT', key)) as number;

describe('on a Redis Cluster', () => {
  it('uses the cluster client, and /ready checks every master', async () => {
    expect(isCluster(h.res.redis)).toBe(true);
    expect(masters(h.res.redis)).toHaveLength(3);
    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.json()).toEqual({ status: 'ready', checks: { postgres: true, redis: true, migrations: true, lanes: true } });
  });

  it('applies synchronous writes (the reply comes back over sharded pub/sub) in order, exactly once, on every lane', async () => {
    const sku = `${h.tag}-ord`;
    await seedProducts(h, [{ sku, price: '0.35' }]);
    const s = new Shopper(h, 'agent-order', 'agent');
    const baskets = await createBaskets(s, 16);
    const codes = await addInSequence(s, baskets, sku, 10, {});
    expect(new Set(codes)).toEqual(new Set([200]));
    expect(await countMutations(h.res.db, baskets)).toBe(160);
    await expectAppliedInOrder(h.res.db, baskets, 10);
    // Async writes too, with a repeat of an Idempotency-Key applied once.
    const id = baskets[0]!;
    const first = await s.addItems(id, [{ product_id: sku, quantity: 1 }], { prefer: 'respond-async', 'idempotency-key': 'cluster-k' });
    expect(first.statusCode).toBe(202);
    // The repeat is the same mutation: still queued (202, same Location) or already applied (200, recorded outcome).
    const repeat = await s.addItems(id, [{ product_id: sku, quantity: 1 }], { prefer: 'respond-async', 'idempotency-key': 'cluster-k' });
    if (repeat.statusCode === 202) expect(repeat.headers.location).toBe(first.headers.location);
    else expect(repeat.statusCode).toBe(200);
    const done = await eventually<{ product_items: { quantity: number }[] }>(async () => {
      const r = await s.get(id);
      return r.headers.etag === '"12"' ? r.json() : undefined;
    });
    expect(done.product_items[0]!.quantity).toBe(11);
  });

  it('sells exactly the stock in a flash sale and keeps reserved equal to the holdings', async () => {
    const sku = `${h.tag}-flash`;
    await seedProducts(h, [{ sku, price: '5.00', stock: 40 }]);
    const agent = new Shopper(h, 'agent-flash', 'agent');
    const baskets = await createBaskets(agent, 200);
    const codes = (await Promise.all(baskets.map((id) => agent.addItems(id, [{ product_id: sku, quantity: 1 }])))).map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(40);
    expect(codes.filter((c) => c === 409)).toHaveLength(160);
    const { rows } = await sql<{ reserved: number; held: number }>`
      select s.reserved, (select coalesce(sum(quantity), 0)::int from reservations r where r.stock_list = s.stock_list and r.sku = s.sku) as held
      from stocks s where s.stock_list = 'default' and s.sku = ${sku}`.execute(h.res.db);
    expect(rows[0]).toEqual({ reserved: 40, held: 40 });
  });

  it('merges guest baskets concurrently: every unit ends in the customer basket, reserved equals holdings', async () => {
    const sku = `${h.tag}-merge`;
    await seedProducts(h, [{ sku, price: '3.00', stock: 1000 }]);
    const pairs = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const guest = new Shopper(h, `guest-${Math.random().toString(36).slice(2)}`);
        const gid = (await guest.request('POST', `${ORG}/baskets${q}`, {})).json().basketId as string;
        expect((await guest.request('POST', `${ORG}/baskets/${gid}/items${q}`, [{ productId: sku, quantity: 2 }])).statusCode).toBe(200);
        const c = new Shopper(h);
        const dest = (await c.request('POST', `${ORG}/baskets${q}`, {})).json().basketId as string;
        await c.request('POST', `${ORG}/baskets/${dest}/items${q}`, [{ productId: sku, quantity: 1 }]);
        return { guest, c, dest };
      }),
    );
    const merged = await Promise.all(
      pairs.map(({ guest, c }) => c.request('POST', `${ORG}/baskets/actions/merge${q}`, undefined, { 'x-guest-authorization': guest.headers.authorization! })),
    );
    expect(merged.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    for (const { c, dest } of pairs) expect((await c.request('GET', `${ORG}/baskets/${dest}${q}`)).json().productItems[0].quantity).toBe(3);
    const { rows } = await sql<{ reserved: number; held: number }>`
      select s.reserved, (select coalesce(sum(quantity), 0)::int from reservations r where r.stock_list = s.stock_list and r.sku = s.sku) as held
      from stocks s where s.stock_list = 'default' and s.sku = ${sku}`.execute(h.res.db);
    expect(rows[0]).toEqual({ reserved: 24, held: 24 });
  });

  it("streams basket versions over sharded pub/sub; channels on their basket's slot, leases renewed per caller", async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    const sku = `${h.tag}-sse`;
    await seedProducts(h, [{ sku, price: '1.00' }]);
    const shoppers = [new Shopper(h), new Shopper(h)];
    const ids = await Promise.all(shoppers.map((s) => s.createBasket()));
    const aborts = shoppers.map(() => new AbortController());
    const texts = ['', ''];
    // Status and content type as received (an assertion inside `reading` would only surface at the end).
    const heads: string[] = [];
    const reading = shoppers.map(async (s, i) => {
      const r = await fetch(`${base}${OCAPI}/baskets/${ids[i]}/events`, { headers: { ...s.headers, accept: 'text/event-stream' }, signal: aborts[i]!.signal });
      heads[i] = `${r.status} ${r.headers.get('content-type')}`;
      const decoder = new TextDecoder();
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) texts[i] += decoder.decode(chunk, { stream: true });
    });
    try {
      await eventually(async () => (texts.every((t) => /^id: 1$/m.test(t)) ? true : undefined), 20_000).catch((err: Error) => {
        throw new Error(`${err.message}: streams answered ${JSON.stringify(heads)}, sent ${JSON.stringify(texts.map((t) => t.slice(0, 80)))}`);
      });
      expect(heads).toEqual(['200 text/event-stream; charset=utf-8', '200 text/event-stream; charset=utf-8']);
      for (let v = 0; v < 3; v++) expect((await shoppers[0]!.addItems(ids[0]!, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
      expect((await shoppers[1]!.addItems(ids[1]!, [{ product_id: sku, quantity: 2 }])).statusCode).toBe(200);
      await eventually(async () => (/^id: 4$/m.test(texts[0]!) && /^id: 2$/m.test(texts[1]!) ? true : undefined), 20_000);
      // Each basket's channel is a shard channel on the master that owns the basket's hash-tag slot.
      const prefix = h.config.REDIS_PREFIX;
      for (const id of ids) {
        const channel = `${prefix}:events:{${id}}`;
        expect(await slot(channel)).toBe(await slot(`{${id}}`));
        const owners = await Promise.all(masters(h.res.redis).map(async (m) => ((await m.call('PUBSUB', 'SHARDCHANNELS', channel)) as string[]).length));
        expect(owners.filter((n) => n === 1)).toHaveLength(1);
      }
      // Two callers' lease keys (on different slots) stay renewed past several lease spans: the heartbeat
      // does not pipeline across slots.
      const leaseKeys: string[] = [];
      for await (const batch of scanKeys(h.res.redis, `${prefix}:sse:caller:*`)) leaseKeys.push(...batch);
      expect(leaseKeys).toHaveLength(2);
      expect(await slot(leaseKeys[0]!)).not.toBe(await slot(leaseKeys[1]!));
      await new Promise((r) => setTimeout(r, 3000));
      for (const key of leaseKeys) {
        const scores = (await h.res.redis.zrange(key, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
        expect(scores).toHaveLength(1);
        expect(scores[0]!).toBeGreaterThan(Date.now());
      }
    } finally {
      aborts.forEach((a) => a.abort());
      await Promise.allSettled(reading);
    }
  });

  it("moves a hot basket to its hot lane (admission keys on its slot): each client's order and exactly-once hold", async () => {
    const sku = `${h.tag}-hot`;
    await seedProducts(h, [{ sku, price: '0.45' }]);
    const s = new Shopper(h, 'agent-hot', 'agent');
    const [id] = await createBaskets(s, 1);
    const sent = (
      await Promise.all([
        hammerOneBasket(s, id!, sku, { clients: 8, perClient: 5, tag: 'a', headers: { prefer: 'respond-async' }, repeatEach: true }),
        hammerOneBasket(s, id!, sku, { clients: 12, perClient: 5, tag: 'b' }),
      ])
    ).flat();
    expect(new Set(sent.map((x) => x.status))).toEqual(new Set([200, 202]));
    await eventually(async () => ((await countMutations(h.res.db, [id!])) === 100 ? true : undefined), 30_000, 50);
    await expectHotBasketInvariants(h.res.db, id!, 100, sent);
    // It ran on its hot lane (lanes LANES.. are the hot ones), and is still marked hot (the cooldown runs).
    const hotLane = h.api.lanes.laneFor(id!, true);
    expect(hotLane).toBeGreaterThanOrEqual(h.config.LANES);
    expect(await h.api.lanes.queue(hotLane).getCompletedCount()).toBeGreaterThan(0);
    expect(await h.res.redis.hget(routeKey(h.config.REDIS_PREFIX, id!), 'hot')).toBe('1');
  });

  it('loses nothing and doubles nothing over a rolling restart of worker processes under load', async () => {
    const sku = `${h.tag}-roll`;
    await seedProducts(h, [{ sku, price: '15.00' }]);
    // From here on only worker processes apply: the in-process workers stop.
    await h.workers!.close();
    const shopper = new Shopper(h, 'agent-rolling', 'agent');
    let worker = startService('workers/mutation.worker.ts', { ...env, LOG_LEVEL: 'info' });
    children.push(worker);
    await worker.waitFor(/mutation workers started/, 90_000);
    const baskets = await createBaskets(shopper, 12);
    const sending = addInSequence(shopper, baskets, sku, 20);
    for (let round = 0; round < 2; round++) {
      await eventually(async () => ((await countMutations(h.res.db, baskets)) >= (round + 1) * 60 ? true : undefined), 30_000, 20);
      const next = startService('workers/mutation.worker.ts', { ...env, LOG_LEVEL: 'info' });
      children.push(next);
      await next.waitFor(/mutation workers started/, 90_000);
      const started = Date.now();
      expect(await stopService(worker, 'SIGTERM')).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      worker = next;
    }
    expect(new Set(await sending)).toEqual(new Set([202]));
    await eventually(async () => ((await countMutations(h.res.db, baskets)) === 240 ? true : undefined), 60_000, 100);
    await expectAppliedInOrder(h.res.db, baskets, 20);
    const active = await Promise.all(h.api.lanes.all().map((l) => l.getActiveCount()));
    expect(active.reduce((a, b) => a + b, 0)).toBe(0);
    expect(await stopService(worker, 'SIGTERM')).toBe(0);
  });

  it("keeps every key pattern on its slot rule: a queue's keys in one slot, lanes spread, nothing else multi-key", async () => {
    const prefix = h.config.REDIS_PREFIX;
    const keys: string[] = [];
    for await (const batch of scanKeys(h.res.redis, `${prefix}:*`)) keys.push(...batch);
    expect(keys.length).toBeGreaterThan(100);
    const queueSlots = new Map<string, Set<number>>();
    const unknown: string[] = [];
    const basketKeys: string[] = [];
    for (const key of keys) {
      const rest = key.slice(prefix.length + 1);
      const tag = /^\{(lane-\d+|expiry)\}:/.exec(rest);
      if (tag) {
        // BullMQ keys: every key of one queue carries the queue's hash tag, so its Lua scripts stay in one slot.
        const set = queueSlots.get(tag[1]!) ?? new Set<number>();
        set.add(await slot(key));
        queueSlots.set(tag[1]!, set);
        expect(await slot(key)).toBe(await slot(`{${tag[1]}}`));
      } else if (/^(pending|route):\{[0-9a-f-]{36}\}$/.test(rest)) {
        // A basket's admission keys (pending set, hot-basket route): both on the basket's hash-tag slot,
        // so the admission script stays in one slot.
        basketKeys.push(key);
        expect(await slot(key)).toBe(await slot(`{${/\{(.+)\}/.exec(rest)![1]}}`));
      } else if (!/^(snap|mut):[0-9a-f-]{36}$/.test(rest) && !/^sse:caller:[^{}]+$/.test(rest)) {
        // Snapshots, tickets and a shopper's stream leases: one key per command, script or pipeline
        // (the snapshot and stream-admission Lua scripts take KEYS[1] only; heartbeats pipeline per caller key).
        unknown.push(key);
      }
    }
    expect(unknown).toEqual([]);
    expect(basketKeys.some((k) => k.includes(':route:{'))).toBe(true);
    for (const set of queueSlots.values()) expect(set.size).toBe(1);
    expect(queueSlots.has('expiry')).toBe(true);
    // Lanes land on different slots, and so spread over the masters.
    const laneSlots = [...queueSlots].filter(([k]) => k.startsWith('lane-')).map(([, s]) => [...s][0]);
    expect(new Set(laneSlots).size).toBe(laneSlots.length);
  });
});
