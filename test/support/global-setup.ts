/**
 * Test services: the local PostgreSQL and Redis when DATABASE_URL/REDIS_URL are given or something
 * listens on the default ports; otherwise testcontainers (where a Docker engine exists). Every run gets
 * its own freshly migrated database, dropped at the end; each test file works in a clone of it
 * (file-database.setup.ts).
 */
import net from 'node:net';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../../src/persistence/database.js';
import { migrateToLatest } from '../../src/persistence/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's migrated database: only cloned (one database per test file, file-database.setup.ts), never connected to. */
    templateDatabaseUrl: string;
    redisUrl: string;
    serverDatabaseUrl: string;
  }
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

async function services(): Promise<{ pgUrl: string; redisUrl: string; stop: () => Promise<void> }> {
  const pgGiven = process.env.DATABASE_URL;
  const redisGiven = process.env.REDIS_URL;
  const stops: (() => Promise<unknown>)[] = [];
  let pgUrl = pgGiven ?? (await listening('127.0.0.1', 5432) ? 'postgres://postgres:postgres@127.0.0.1:5432/postgres' : null);
  let redisUrl = redisGiven ?? (await listening('127.0.0.1', 6379) ? 'redis://127.0.0.1:6379' : null);
  if (!pgUrl || !redisUrl) {
    // No local services: fall back to containers (needs a Docker engine).
    const { GenericContainer, Wait } = await import('testcontainers');
    if (!pgUrl) {
      const c = await new GenericContainer('postgres:15-alpine')
        .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      stops.push(() => c.stop());
      pgUrl = `postgres://postgres:postgres@${c.getHost()}:${c.getMappedPort(5432)}/postgres`;
    }
    if (!redisUrl) {
      const c = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      stops.push(() => c.stop());
      redisUrl = `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
    }
  }
  return { pgUrl, redisUrl, stop: async () => { for (const s of stops) await s(); } };
}

export default async function setup(project: TestProject) {
  const { pgUrl, redisUrl, stop } = await services();
  const dbName = `basket_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database "${dbName}"`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const db = createDatabase(databaseUrl, 2);
  await migrateToLatest(db);
  await db.destroy();

  project.provide('templateDatabaseUrl', databaseUrl);
  project.provide('redisUrl', redisUrl);
  project.provide('serverDatabaseUrl', pgUrl);

  return async () => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    // The files' clones first (each drops its own; these are ones a crashed or killed file left).
    const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`${dbName}\\_f%`]);
    for (const r of rows) await c.query(`drop database if exists "${r.datname}" with (force)`);
    await c.query(`drop database if exists "${dbName}" with (force)`);
    await c.end();
    await stop();
  };
}
