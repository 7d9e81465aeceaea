/** Child service processes for multi-process tests (workers, APIs, `npm start`), always cleaned up. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves when a line of output matches, rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export function startService(entry: string, env: Record<string, string>): ServiceProcess {
  // node --import tsx (not the tsx CLI): one process, so signals and /proc figures are the service's own.
  // SERVICE_NODE_ARGS: node flags for the services alone, space-separated (`--cpu-prof --cpu-prof-dir=/tmp/prof` profiles a bench run).
  const flags = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      for (const l of listeners) l();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    child,
    output: () => out,
    exited,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern} in:\n${out.slice(-3000)}`)), timeoutMs);
        const check = () => {
          if (pattern.test(out)) done();
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`process exited before ${pattern}:\n${out.slice(-3000)}`));
        };
        const done = (err?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

export async function stopService(p: ServiceProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.kill(signal);
  const timeout = setTimeout(() => p.kill('SIGKILL'), 30_000);
  const code = await p.exited;
  clearTimeout(timeout);
  return code;
}
