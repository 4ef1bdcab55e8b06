/**
 * The house, enforced (ARCHITECTURE.md): which folder may import which, no import loop between files or
 * folders, nothing imports an entrypoint, only src/runtime/ort-backend.ts imports onnxruntime-web, only
 * src/messaging sends or handles extension messages, every src folder's README states its rule first, and a
 * source file over 300 lines says at its top why it is one file. Reads the imports with TypeScript's own
 * pre-processor, so a moved or added file is checked without any list to update.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * What each part may import (besides itself): the arrows of ARCHITECTURE.md. A folder missing here fails the
 * test, so a new folder states its place in the house.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'src/ml': [],
  'src/onnx': [],
  'src/checkpoint': [],
  'src/timeline': ['src/ml'],
  'src/eval': ['src/ml'],
  'src/protocol': ['src/ml', 'src/timeline'],
  'src/settings': ['src/protocol'],
  'src/site-access': [],
  'src/messaging': ['src/protocol'],
  'src/emo-affectnet': ['src/ml', 'src/onnx', 'src/checkpoint'],
  'src/model-store': ['src/ml'],
  'src/model-install': ['src/ml', 'src/emo-affectnet', 'src/model-store'],
  'src/transport': ['src/ml', 'src/protocol', 'src/messaging'],
  'src/runtime': [
    'src/ml',
    'src/protocol',
    'src/settings',
    'src/transport',
    'src/emo-affectnet',
    'src/model-store',
    'src/model-install',
  ],
  'src/background': ['src/ml', 'src/protocol', 'src/messaging', 'src/settings', 'src/transport'],
  'src/ui': [
    'src/ml',
    'src/protocol',
    'src/messaging',
    'src/settings',
    'src/timeline',
    'src/emo-affectnet',
    'src/model-install',
    'src/model-store',
    'src/site-access',
  ],
  'src/content': [
    'src/ml',
    'src/protocol',
    'src/messaging',
    'src/settings',
    'src/timeline',
    'src/transport',
    'src/ui',
  ],
  'src/cli': ['src/ml', 'src/runtime', 'src/eval', 'src/emo-affectnet', 'src/checkpoint', 'src/onnx'],
  entrypoints: [
    'src/background',
    'src/content',
    'src/messaging',
    'src/protocol',
    'src/runtime',
    'src/settings',
    'src/site-access',
    'src/transport',
    'src/ui',
  ],
};

/** Packages a part may import; a package not listed for the part is refused (node: built-ins included). */
const PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'src/runtime': ['onnxruntime-web', 'onnxruntime-web/wasm', 'wxt/browser', 'node:*'],
  'src/cli': ['node:*', 'sharp'],
  'src/ui': ['preact', 'preact/hooks', 'wxt/browser'],
  'src/background': ['wxt/browser'],
  'src/messaging': ['wxt/browser'],
  'src/settings': ['wxt/browser'],
  'src/site-access': ['wxt/browser'],
  'src/content': ['wxt/browser'],
  'src/transport': ['wxt/browser'],
  entrypoints: ['preact', 'wxt/browser', 'wxt/utils/*'],
};

/** Type-only package imports that a part may make without calling the package (e.g. the sender's type). */
const TYPE_ONLY_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'src/protocol': ['wxt/browser'],
};

interface SourceFile {
  path: string;
  part: string;
  text: string;
  imports: { spec: string; target: string | null; typeOnly: boolean }[];
}

const isTest = (path: string) =>
  /\.(test|test-d|e2e)\.tsx?$|\.test-helper\.ts$|test-checkpoint-writer\.ts$/.test(path);

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.tsx?$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function partOf(path: string): string {
  const [top, second] = relative(ROOT, path).split('/');
  return top === 'src' ? `src/${second}` : (top ?? path);
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec.split('?')[0]!);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${relative(ROOT, from)}: cannot resolve import '${spec}'`);
}

function readSources(): SourceFile[] {
  const paths = [...walk(join(ROOT, 'src')), ...walk(join(ROOT, 'entrypoints'))];
  return paths.map((path) => {
    const text = readFileSync(path, 'utf8');
    const typeOnlySpecs = new Set(
      [...text.matchAll(/^(?:import|export)\s+type\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]),
    );
    const info = ts.preProcessFile(text, true, true);
    return {
      path,
      part: partOf(path),
      text,
      imports: info.importedFiles.map(({ fileName }) => ({
        spec: fileName,
        target: resolveImport(path, fileName),
        typeOnly: typeOnlySpecs.has(fileName),
      })),
    };
  });
}

const SOURCES = readSources();
const PRODUCT = SOURCES.filter((s) => !isTest(s.path));
const rel = (path: string) => relative(ROOT, path);

function cycles(nodes: Iterable<string>, edges: (node: string) => Iterable<string>): string[][] {
  // Tarjan's strongly connected components; any component of more than one node is a loop.
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of nodes) if (!order.has(node)) visit(node);
  return found;
}

const packageAllowed = (list: readonly string[] | undefined, spec: string) =>
  (list ?? []).some((p) => (p.endsWith('*') ? spec.startsWith(p.slice(0, -1)) : spec === p));

describe('the house (ARCHITECTURE.md)', () => {
  it('reads the product files', () => {
    expect(PRODUCT.length).toBeGreaterThan(100);
  });

  it('every part is in the table', () => {
    const unknown = [...new Set(PRODUCT.map((s) => s.part))].filter((part) => !(part in ALLOWED));
    expect(unknown, 'add the folder to ALLOWED (and to ARCHITECTURE.md)').toEqual([]);
  });

  it('each part imports only the parts it may', () => {
    const violations = PRODUCT.flatMap((s) =>
      s.imports
        .filter((i) => i.target !== null)
        .map((i) => ({ from: s, to: partOf(i.target!), target: i.target! }))
        .filter(({ from, to }) => to !== from.part && !(ALLOWED[from.part] ?? []).includes(to))
        .map(
          ({ from, to, target }) => `${rel(from.path)} -> ${rel(target)} (${from.part} may not import ${to})`,
        ),
    );
    expect(violations).toEqual([]);
  });

  it('nothing imports an entrypoint (its tests included)', () => {
    const violations = SOURCES.flatMap((s) =>
      s.imports
        .filter((i) => i.target !== null && partOf(i.target) === 'entrypoints')
        .map((i) => `${rel(s.path)} -> ${rel(i.target!)}`),
    );
    expect(violations).toEqual([]);
  });

  it('each part imports only its packages; only ort-backend.ts imports onnxruntime-web', () => {
    const violations = PRODUCT.flatMap((s) =>
      s.imports
        .filter((i) => i.target === null)
        .filter((i) => {
          if (i.typeOnly && packageAllowed(TYPE_ONLY_PACKAGES[s.part], i.spec)) return false;
          if (i.spec.startsWith('onnxruntime-web')) {
            return rel(s.path) !== 'src/runtime/ort-backend.ts' || !packageAllowed(PACKAGES[s.part], i.spec);
          }
          return !packageAllowed(PACKAGES[s.part], i.spec);
        })
        .map((i) => `${rel(s.path)} imports '${i.spec}'${i.typeOnly ? ' (types)' : ''}`),
    );
    expect(violations).toEqual([]);
  });

  it('no import loop between files', () => {
    const targets = new Map(
      PRODUCT.map((s) => [s.path, s.imports.flatMap((i) => (i.target ? [i.target] : []))]),
    );
    const loops = cycles(targets.keys(), (path) => (targets.get(path) ?? []).filter((t) => targets.has(t)));
    expect(loops.map((loop) => loop.map(rel).join(' <-> '))).toEqual([]);
  });

  it('no import loop between parts', () => {
    const edges = new Map<string, Set<string>>();
    for (const s of PRODUCT) {
      for (const i of s.imports) {
        if (!i.target) continue;
        const to = partOf(i.target);
        if (to === s.part) continue;
        if (!edges.has(s.part)) edges.set(s.part, new Set());
        edges.get(s.part)!.add(to);
      }
    }
    const loops = cycles(edges.keys(), (part) => edges.get(part) ?? []);
    expect(loops.map((loop) => loop.join(' <-> '))).toEqual([]);
  });

  it('the table itself has no loop', () => {
    const loops = cycles(Object.keys(ALLOWED), (part) => ALLOWED[part] ?? []);
    expect(loops).toEqual([]);
  });

  it('only src/messaging sends or handles extension messages', () => {
    const code = (text: string) =>
      text
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .split('\n')
        .filter((line) => !line.trim().startsWith('//'))
        .join('\n');
    const api = /\b(runtime|tabs)\.(sendMessage|connect)\(|\.(onMessage|onConnect)\.addListener\(/;
    const violations = PRODUCT.filter((s) => s.part !== 'src/messaging' && api.test(code(s.text))).map((s) =>
      rel(s.path),
    );
    expect(violations).toEqual([]);
  });

  it("every src folder's README states its rule in its first lines", () => {
    const folders = readdirSync(join(ROOT, 'src')).filter((name) =>
      statSync(join(ROOT, 'src', name)).isDirectory(),
    );
    const missing = folders.filter((name) => {
      const readme = join(ROOT, 'src', name, 'README.md');
      if (!existsSync(readme)) return true;
      const head = readFileSync(readme, 'utf8').split('\n').slice(0, 4).join('\n');
      return !/\*\*Rule:/.test(head);
    });
    expect(missing, 'each src/<folder>/README.md starts with a "**Rule: ...**" line').toEqual([]);
  });

  it('a source file over 300 lines says at its top why it is one file', () => {
    const long = PRODUCT.filter((s) => s.text.split('\n').length > 300).filter(
      (s) => !/Why one file/.test(s.text.split('\n').slice(0, 25).join('\n')),
    );
    expect(long.map((s) => `${rel(s.path)} (${s.text.split('\n').length} lines)`)).toEqual([]);
  });
});
