// The layering of lib/, read from the imports themselves (type-only ones
// included): no import cycles, arrows only downwards between folders, and
// the PHP facade never reaching the native binding.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/peers.js';

/** lib/'s folders from the bottom up; a file may import from its own folder or a lower one. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['binding'],
  ['net'],
  ['io', 'options'],
  ['socket'],
  ['lifecycle', 'proxy'],
  ['stream', 'dgram'],
  ['tls'],
  ['open'],
  ['.'],
  ['php'],
];

const rank = (folder: string): number => LAYERS.findIndex((layer) => layer.includes(folder));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [relative(ROOT, path)] : [];
  });
}

/** Every relative module a file imports or re-exports (`import type` too), as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gms)].map((m) => m[1]!);
  return specs.map((spec) => normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts'));
}

const folderOf = (file: string): string => {
  const parts = relative('lib', file).split('/');
  return parts.length === 1 ? '.' : parts[0]!;
};

const files = sources(join(ROOT, 'lib'));
const graph = new Map(files.map((file) => [file, importsOf(file)]));

function cycles(): string[][] {
  // Tarjan's strongly connected components; any with more than one file is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}

describe('layering of lib/', () => {
  it('every import names a file that exists', () => {
    const missing = [...graph].flatMap(([file, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${file} -> ${t}`));
    expect(missing).toEqual([]);
  });

  it('has no import cycles (type-only imports count)', () => {
    expect(cycles()).toEqual([]);
  });

  it('every folder is a known layer', () => {
    expect(files.map(folderOf).filter((folder) => rank(folder) < 0)).toEqual([]);
  });

  it('imports only point down: to the same folder or a lower layer', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => {
          const [from, to] = [folderOf(file), folderOf(target)];
          return from !== to && rank(to) >= rank(from);
        })
        .map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('the PHP facade never imports the native binding', () => {
    const direct = [...graph].flatMap(([file, targets]) =>
      folderOf(file) === 'php' ? targets.filter((t) => folderOf(t) === 'binding').map((t) => `${file} -> ${t}`) : [],
    );
    expect(direct).toEqual([]);
  });

  it('the check sees real edges (it would catch a cycle)', () => {
    expect(graph.get('lib/stream/server.ts')).toContain('lib/stream/acceptor.ts');
    expect(files.length).toBeGreaterThan(30);
  });
});
