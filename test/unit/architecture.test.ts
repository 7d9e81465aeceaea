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
  persistence: ['domain', 'contracts'],
  queue: ['domain', 'contracts'],
  cache: ['domain', 'contracts'],
  auth: ['domain', 'contracts'],
  observability: ['domain', 'contracts', 'persistence'],
  application: ['domain', 'contracts', 'persistence', 'queue', 'cache', 'auth', 'observability'],
  api: ['domain', 'contracts', 'application', 'auth', 'observability', 'queue', 'config'],
  bootstrap: ['domain', 'contracts', 'persistence', 'queue', 'cache', 'auth', 'observability', 'application', 'api', 'config'],
  cli: ['domain', 'contracts', 'persistence', 'auth', 'bootstrap', 'config'],
};

/**
 * Imports that still cross a rule, each to be moved behind an application use case. The test fails when
 * one of them is gone too, so the list only ever shrinks.
 */
const PENDING = new Set<string>([
  'api/system.routes.ts -> persistence/mutation.repository.ts',
  'api/admin/admin.routes.ts -> persistence/site.repository.ts',
  'api/admin/admin.routes.ts -> persistence/promotion.repository.ts',
  'api/admin/admin.routes.ts -> persistence/catalog.repository.ts',
  'api/basket-resource/register.ts -> persistence/site.repository.ts',
  'api/deps.ts -> persistence/database.ts',
  'api/scapi/merge.route.ts -> persistence/owner-baskets.repository.ts',
  'api/akinon/akinon.routes.ts -> persistence/akinon.repository.ts',
  'api/akinon/basket.document.ts -> persistence/akinon.repository.ts',
]);

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

  it('every import points down the layers (or is a listed pending exception)', () => {
    const crossing: string[] = [];
    for (const [file, imports] of graph) {
      const from = layerOf(file);
      expect(MAY_IMPORT[from], `layer of ${file}`).toBeDefined();
      for (const target of imports) {
        const to = layerOf(target);
        if (to !== from && !MAY_IMPORT[from]!.includes(to)) crossing.push(`${file} -> ${target}`);
      }
    }
    expect(crossing.filter((c) => !PENDING.has(c))).toEqual([]);
    // A pending exception that no longer exists is struck off the list.
    expect([...PENDING].filter((p) => !crossing.includes(p))).toEqual([]);
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
