/**
 * A private Redis Cluster for tests: 3 masters + 3 replicas started from the installed `redis-server`
 * on free loopback ports, each node in its own directory under one temp dir, joined with
 * `redis-cli --cluster create … --cluster-replicas 1`, and stopped by pid. Start-up to all slots covered
 * takes a few seconds and ~45 MB, so one cluster is shared by the tests of a file.
 *
 * Node settings are the ones the README recommends for the service: `cluster-require-full-coverage no`
 * (a shard that is failing over does not stop the others), `maxmemory-policy noeviction`, and a short
 * `cluster-node-timeout` here so a failover completes in a few seconds.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './own-services.js';

const run = promisify(execFile);

export interface ClusterNode {
  readonly port: number;
  readonly dir: string;
  child: ChildProcess | null;
}

export interface OwnCluster {
  /** `host:port,…` of every node: what REDIS_CLUSTER_NODES takes. */
  readonly nodesEnv: string;
  readonly nodes: readonly ClusterNode[];
  /** Ports of the current masters (asks the cluster). */
  masters(): Promise<number[]>;
  /** kill -9 of one node; resolves once the process has exited. */
  kill(port: number): Promise<void>;
  /** Waits until every slot is served again by a live master (after a kill). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

export const CLUSTER_NODE_TIMEOUT_MS = 2000;

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`redis cluster: ${what} not reached in ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function ownCluster(size: { masters: number; replicasPerMaster: number } = { masters: 3, replicasPerMaster: 1 }): Promise<OwnCluster> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'basket-cluster-'));
  const count = size.masters * (1 + size.replicasPerMaster);
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const dir = path.join(root, String(port));
    fs.mkdirSync(dir);
    nodes.push({ port, dir, child: null });
  }
  const startNode = (n: ClusterNode) => {
    n.child = spawn(
      'redis-server',
      [
        '--port', String(n.port), '--bind', '127.0.0.1', '--dir', n.dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS),
        '--cluster-require-full-coverage', 'no',
        '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
      ],
      { stdio: 'ignore' },
    );
  };
  // Never leave nodes behind, even when the test process ends abruptly.
  const killOnExit = () => nodes.forEach((n) => n.child?.kill('SIGKILL'));
  process.once('exit', killOnExit);
  const stopAll = async () => {
    process.off('exit', killOnExit);
    await Promise.all(
      nodes.map(async (n) => {
        const c = n.child;
        n.child = null;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }),
    );
  };
  try {
    nodes.forEach(startNode);
    for (const n of nodes) await until(`node ${n.port} up`, async () => (await cli(n.port, 'ping')).trim() === 'PONG', 20_000);
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(size.replicasPerMaster), '--cluster-yes'], { timeout: 60_000 });
    const cluster = handle(nodes, stopAll, root);
    await cluster.waitHealthy(30_000);
    return cluster;
  } catch (err) {
    await stopAll();
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

function handle(nodes: ClusterNode[], stopAll: () => Promise<void>, root: string): OwnCluster {
  const live = () => nodes.filter((n) => n.child && n.child.exitCode === null && n.child.signalCode === null);
  const masters = async () => {
    for (const n of live()) {
      const out = await cli(n.port, 'cluster', 'nodes').catch(() => '');
      if (!out) continue;
      // <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>
      return out
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .filter((f) => f[2]!.split(',').includes('master') && !f[2]!.includes('fail') && f.length > 8)
        .map((f) => Number(f[1]!.split('@')[0]!.split(':')[1]));
    }
    return [];
  };
  return {
    nodesEnv: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    nodes,
    masters,
    async kill(port) {
      const n = nodes.find((x) => x.port === port);
      const c = n?.child;
      if (!n || !c) throw new Error(`no running node on ${port}`);
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
      n.child = null;
    },
    async waitHealthy(timeoutMs = 30_000) {
      await until(
        'every live node reports cluster_state:ok, every slot on a live master, replicas in sync',
        async () => {
          const alive = live();
          for (const n of alive) {
            const info = await cli(n.port, 'cluster', 'info');
            if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          }
          const ms = await masters();
          const livePorts = new Set(alive.map((n) => n.port));
          if (ms.length === 0 || ms.some((p) => !livePorts.has(p))) return false;
          for (const n of alive) {
            const info = await cli(n.port, 'info', 'replication');
            if (/role:slave/.test(info) && !/master_link_status:up/.test(info)) return false;
          }
          return true;
        },
        timeoutMs,
      );
    },
    async destroy() {
      await stopAll();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
