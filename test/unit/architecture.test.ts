/**
 * The architecture, held by a test: every import in src/ points down the layers, and no file imports
 * itself through others (no cycle). The rules are the ones each folder's README states.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** What each layer (top folder of src/, or `config` for src/config.ts) may import besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  domain: [],
  contracts: ['domain'],
  config: [],
  // Redis connections (standalone or Cluster) and the pub/sub seam: infrastructure that knows no layer.
  redis: [],
  persistence: ['domain', 'contracts'],
  queue: ['domain', 'contracts', 'redis'],
  cache: ['domain', 'contracts', 'redis'],
  auth: ['domain', 'contracts'],
  observability: ['domain', 'contracts', 'persistence', 'redis'],
  application: ['domain', 'contracts', 'persistence', 'queue', 'cache', 'auth', 'observability', 'redis'],
  api: ['domain', 'contracts', 'application', 'auth', 'observability', 'queue', 'config', 'redis'],
  bootstrap: ['domain', 'contracts', 'persistence', 'queue', 'cache', 'auth', 'observability', 'application', 'api', 'config', 'redis'],
  cli: ['domain', 'contracts', 'persistence', 'auth', 'bootstrap', 'config'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Relative imports of a file (static `import`/`export … from` and dynamic `import()`), as paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'(\.[^']+)'/g), ...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s.replace(/\.js$/, '.ts')))).filter((p) => !p.startsWith('..'));
}

const layerOf = (path: string) => (path === 'config.ts' ? 'config' : path.split('/')[0]!);
const graph = new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), importsOf(f)]));

describe('architecture', () => {
  it('finds the source files and their imports', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('application/process-mutation.ts')).toContain('contracts/mutation-job.ts');
  });

  it('every import points down the layers', () => {
    const crossing: string[] = [];
    for (const [file, imports] of graph) {
      const from = layerOf(file);
      expect(MAY_IMPORT[from], `layer of ${file}`).toBeDefined();
      for (const target of imports) {
        const to = layerOf(target);
        if (to !== from && !MAY_IMPORT[from]!.includes(to)) crossing.push(`${file} -> ${target}`);
      }
    }
    expect(crossing).toEqual([]);
  });

  it('no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
