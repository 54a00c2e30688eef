// NodeFinder walks each path from where the path before it left off, over the tree of source
// ranges the loader builds: it must find exactly what a walk from the root of `yaml`'s document finds,
// for every path of every policy here, in any order.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Document, type Node, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { NodeFinder, type Path } from '../../dsl/read.js';
import { treeOfDocument } from '../../dsl/yaml-tree.js';
import { SourceFile } from '../../dsl/source.js';
import type { Span } from '../../dsl/index.js';

const root = join(import.meta.dirname, '..', '..');
const sources: [string, string][] = ['policies', join('test', 'dsl', 'cases'), join('test', 'engine', 'differential')].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f): [string, string] => [join(dir, f), readFileSync(join(root, dir, f), 'utf8')]),
);
sources.push([
  'aliases and merge keys',
  [
    'base: &base { type: enum, values: [a, b] }',
    'hours: &hours',
    '  - mon-fri 09:00-17:00',
    'facts:',
    '  one: *base',
    '  two: { <<: *base, required: true }',
    '  three:',
    '    <<: [*base, { description: x }]',
    '    type: string',
    '  four: *missing',
    '  five:',
    '  "6": six',
    'calendars:',
    '  office: { hours: *hours, closed: [2024-12-25, null, ~] }',
    'list: [a: 1, [x, y], { k: v }]',
    '',
  ].join('\n'),
]);

/** A `<<` key under `merge: true`, whose value is a symbol. */
const isMerge = (key: unknown): boolean => isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';

/** The walk NodeFinder replaced: from the root for every path and every ancestor, nothing kept. */
class RootWalk {
  constructor(
    readonly file: SourceFile,
    readonly doc: Document,
  ) {}

  private readonly aliases = new Map<unknown, unknown>();

  private resolve(node: unknown): unknown {
    if (!isAlias(node)) return node;
    if (!this.aliases.has(node)) this.aliases.set(node, node.resolve(this.doc));
    return this.aliases.get(node);
  }

  private pair(map: unknown, key: string | number): { key: unknown; value: unknown } | undefined {
    const m = this.resolve(map);
    if (!isMap(m)) return undefined;
    for (const p of m.items) {
      if (isPair(p) && isScalar(p.key) && (isMerge(p.key) ? '<<' : String(p.key.value)) === String(key)) return p;
    }
    for (const p of m.items) {
      if (isPair(p) && isMerge(p.key)) {
        const sources = this.resolve(p.value);
        for (const s of isSeq(sources) ? sources.items : [sources]) {
          const found = this.pair(s, key);
          if (found) return found;
        }
      }
    }
    return undefined;
  }

  node(path: Path): Node | undefined {
    let at: unknown = this.doc.contents;
    for (const seg of path) {
      at = this.resolve(at);
      if (isSeq(at) && typeof seg === 'number') at = at.items[seg];
      else at = this.pair(at, seg)?.value;
      if (at === undefined || at === null) return undefined;
    }
    return (this.resolve(at) ?? undefined) as Node | undefined;
  }

  keyNode(path: Path): Node | undefined {
    if (path.length === 0) return undefined;
    return (this.pair(this.node(path.slice(0, -1)), path[path.length - 1]!)?.key ?? undefined) as Node | undefined;
  }

  span(path: Path, key = false): Span {
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      const node = key && n === path.length ? (this.keyNode(sub) ?? this.node(sub)) : this.node(sub);
      const range = node?.range;
      if (range) return this.file.span(range[0], range[1] - range[0]);
    }
    return this.file.span(0);
  }
}

/** Every path in the document (through aliases and merge keys), and near misses of each. */
function pathsOf(doc: Document): Path[] {
  const paths: Path[] = [];
  const visit = (node: unknown, path: Path): void => {
    paths.push(path, [...path, 'missing'], [...path, 99], [...path, '0']);
    if (path.length > 8) return;
    const n = isAlias(node) ? node.resolve(doc) : node;
    if (isSeq(n)) n.items.forEach((item, i) => visit(item, [...path, i]));
    if (isMap(n)) {
      for (const p of n.items) {
        if (!isScalar(p.key)) continue;
        const key = isMerge(p.key) ? '<<' : String(p.key.value);
        visit(p.value, [...path, key]);
        // The keys a merge brings in are reached through the mapping that merges them.
        if (isMerge(p.key)) {
          const merged = isAlias(p.value) ? p.value.resolve(doc) : p.value;
          for (const s of isSeq(merged) ? merged.items : [merged]) {
            const m = isAlias(s) ? s.resolve(doc) : s;
            if (isMap(m)) for (const q of m.items) if (isScalar(q.key)) visit(q.value, [...path, String(q.key.value)]);
          }
        }
      }
    }
  };
  visit(doc.contents, []);
  return paths;
}

/** A fixed shuffle, so a failure can be replayed. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('NodeFinder', () => {
  it('finds what a walk from the root finds, for every path of every policy, in any order', () => {
    let compared = 0;
    const mismatches: string[] = [];
    const same = (a: Span, b: Span) =>
      a.offset === b.offset && a.length === b.length && a.line === b.line && a.column === b.column;
    for (const [name, text] of sources) {
      const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: false, resolveKnownTags: false });
      const file = new SourceFile(name, text);
      const reference = new RootWalk(file, doc);
      const paths = pathsOf(doc);
      const want = paths.map((p) => [reference.span(p), reference.span(p, true)] as const);
      const tree = treeOfDocument(doc);
      const orders = [paths.keys(), [...paths.keys()].reverse(), shuffled([...paths.keys()])];
      for (const order of orders) {
        const finder = new NodeFinder(file, tree);
        for (const i of order) {
          const path = paths[i]!;
          const [span, keySpan] = want[i]!;
          if (!same(finder.span(path), span) || !same(finder.span(path, true), keySpan))
            mismatches.push(`${name}: span of ${JSON.stringify(path)}`);
          compared++;
        }
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(100_000);
  });

  it('finds the keys a merge brings in where they are written', () => {
    const text = 'base: &base { type: enum, values: [a, b] }\nfacts:\n  two: { <<: *base, required: true }\n';
    const finder = new NodeFinder(new SourceFile('m.yaml', text), treeOfDocument(parseDocument(text, { merge: true })));
    const values = finder.span(['facts', 'two', 'values']);
    expect(text.slice(values.offset, values.offset + values.length)).toBe('[a, b]');
    expect(values.line).toBe(1);
  });
});
