/**
 * `npm start` on an empty database server: creates the database, migrates, serves /health and /ready,
 * takes a basket write end to end, and stops cleanly on SIGTERM.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { freePort } from '../support/own-services.js';
import { startService, stopService, type ServiceProcess } from '../support/processes.js';
import { testEnv } from '../support/harness.js';
import { TokenService } from '../../src/auth/tokens.js';

const dbName = `basket_start_${randomUUID().slice(0, 8)}`;
let service: ServiceProcess | undefined;


async function dropDatabase() {
  const c = new pg.Client({ connectionString: inject('serverDatabaseUrl') });
  await c.connect();
  await c.query(`drop database if exists "${dbName}" with (force)`);
  await c.end();
}

afterAll(async () => {
  if (service) await stopService(service, 'SIGKILL');
  await dropDatabase();
});

describe('npm start', () => {
  it('comes up on an empty database, answers /ready, applies a write, and exits 0 on SIGTERM', async () => {
    const url = new URL(inject('serverDatabaseUrl'));
    url.pathname = `/${dbName}`;
    const port = await freePort();
    const env = testEnv({ DATABASE_URL: url.toString(), PORT: String(port), LOG_LEVEL: 'info', JWT_SECRET: 'start-test-secret-0123456789' });
    service = startService('workers/all.ts', env);
    await service.waitFor(/Server listening/, 60_000);
    const base = `http://127.0.0.1:${port}`;

    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: true, redis: true, migrations: true, lanes: true } });

    const token = new TokenService('start-test-secret-0123456789', 60).sign('start-test');
    const created = await fetch(`${base}/s/default/dw/shop/v23_2/baskets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(created.status).toBe(200);
    expect((await created.json())._type).toBe('basket');

    expect(service.output()).toContain('created database');
    expect(await stopService(service, 'SIGTERM')).toBe(0);
  });
});
