/**
 * Redis connections for standalone Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES), and the
 * few operations that must see every master rather than one node: readiness, SCAN, INFO.
 *
 * Contract for every caller: each command and Lua script touches keys of one hash slot. BullMQ keys of a
 * queue share the queue's `{…}` hash tag; every other key is used by single-key commands (see
 * test/unit/key-slots.test.ts, which checks each key pattern).
 */
import { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  /** Standalone server, used when `clusterNodes` is empty. */
  readonly url: string;
  /** Seed nodes of a Redis Cluster; empty for standalone. */
  readonly clusterNodes: readonly { readonly host: string; readonly port: number }[];
}

export interface ConnectOptions {
  /** 1 for request paths (fail fast, so an API answers 503 rather than hang); null for BullMQ workers. */
  readonly maxRetriesPerRequest: number | null;
  /** A cluster connection used for SSUBSCRIBE: ioredis keeps one subscriber per master and re-subscribes after a failover. */
  readonly shardedSubscriber?: boolean;
  /** Called for connection errors: of the connection, and on a cluster of each node (`node error`). */
  readonly onError: (err: Error, node: string | null) => void;
}

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

export function connectRedis(target: RedisTarget, opts: ConnectOptions): RedisClient {
  if (target.clusterNodes.length === 0) {
    const r = new Redis(target.url, { maxRetriesPerRequest: opts.maxRetriesPerRequest, enableReadyCheck: true });
    r.on('error', (err: Error) => opts.onError(err, null));
    return r;
  }
  const c = new Cluster(
    target.clusterNodes.map((n) => ({ host: n.host, port: n.port })),
    {
      redisOptions: { maxRetriesPerRequest: opts.maxRetriesPerRequest, enableReadyCheck: true },
      // Writes go to masters only; a replica's view may lag behind the version compare-and-set.
      scaleReads: 'master',
      // A failover moves slots within seconds: retry redirected commands a little longer than ioredis' default.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      // Topology is also re-read periodically, so a promoted replica is found even without a MOVED.
      slotsRefreshInterval: 2000,
      shardedSubscribers: opts.shardedSubscriber === true,
    },
  );
  c.on('error', (err: Error) => opts.onError(err, null));
  c.on('node error', (err: Error, node: string) => opts.onError(err, node));
  c.on('nodeError', (err: Error, node: string) => opts.onError(err, node));
  return c;
}

/** The masters a client talks to: the server itself when standalone. */
export function masters(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e as Error)),
    );
  });

/**
 * True when every master answers PING within `timeoutMs`. On a cluster the masters are the ones the
 * cluster itself lists as serving slots (CLUSTER SLOTS), not the ones this client still holds (ioredis
 * drops a dead node at once), and every slot must be served (`cluster_slots_ok:16384`): a cluster whose
 * master died and has not failed over yet is not ready.
 */
export async function everyMasterAnswers(client: RedisClient, timeoutMs = 1000): Promise<boolean> {
  try {
    if (!isCluster(client)) return (await withTimeout(client.ping(), timeoutMs)) === 'PONG';
    const [info, slots] = await withTimeout(Promise.all([client.cluster('INFO') as Promise<string>, client.cluster('SLOTS') as unknown as Promise<[number, number, [string, number]][]>]), timeoutMs);
    if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384\b/.test(info)) return false;
    const serving = new Set(slots.map(([, , master]) => `${master[0]}:${master[1]}`));
    const held = new Map(client.nodes('all').map((n) => [`${n.options.host}:${n.options.port}`, n]));
    const nodes = [...serving].map((addr) => held.get(addr));
    if (nodes.length === 0 || nodes.some((n) => n === undefined)) return false;
    const pongs = await withTimeout(Promise.all(nodes.map((n) => n!.ping())), timeoutMs);
    return pongs.every((p) => p === 'PONG');
  } catch {
    return false;
  }
}

/** Every key matching `pattern`, master by master (SCAN on a cluster client would ask one random node). */
export async function* scanKeys(client: RedisClient, pattern: string, count = 1000): AsyncGenerator<string[]> {
  for (const node of masters(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      if (keys.length) yield keys;
      cursor = next;
    } while (cursor !== '0');
  }
}

/** Deletes every key matching `pattern`: one key per DEL (keys of a cluster live in many slots). */
export async function deleteKeys(client: RedisClient, pattern: string): Promise<number> {
  let n = 0;
  for await (const keys of scanKeys(client, pattern)) {
    await Promise.all(keys.map((k) => client.del(k)));
    n += keys.length;
  }
  return n;
}

/** Numeric fields of `INFO <section>` summed over every master (e.g. used_memory, keys). */
export async function infoSummed(client: RedisClient, section: string): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (const node of masters(client)) {
    const text = await node.info(section);
    for (const line of text.split(/\r?\n/)) {
      const m = /^([a-z_0-9]+):(-?\d+(?:\.\d+)?)$/.exec(line);
      if (m) sums[m[1]!] = (sums[m[1]!] ?? 0) + Number(m[2]);
    }
  }
  return sums;
}

/** QUIT, or a plain disconnect when QUIT does not finish within `ms` (a dead node must never hang a shutdown). */
export async function closeRedis(client: RedisClient, ms = 2000): Promise<void> {
  try {
    await withTimeout(client.quit(), ms);
  } catch {
    // Connection already gone or unresponsive.
  }
  client.disconnect();
}
