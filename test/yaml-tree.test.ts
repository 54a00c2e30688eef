// The loader reads a policy's YAML with js-yaml when it can and with `yaml` when it cannot:
// both must give the same value and the same source ranges, or the fast reader must decline.
// `yaml` is the oracle here: its value (`toJS`) and its nodes' ranges.
import { readFileSync, readdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fastYaml, treeOfDocument, type YamlNode } from '../dsl/yaml-tree.js';
import { mutate, mutation } from './mutations.js';
import { root, runs } from './reliability.js';

type Verdict = 'same' | 'declined' | 'both reject' | string;

/** How the fast reader does on `text`: the same as `yaml`, declined, rejected by both, or what differs. */
function compare(text: string): Verdict {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: false, resolveKnownTags: false });
  const fast = fastYaml(text);
  if (doc.errors.length > 0) return fast ? `read a file yaml rejects (${doc.errors[0]!.code})` : 'both reject';
  if (!fast) return 'declined';
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return `read a file yaml cannot expand (${(e as Error).message})`;
  }
  if (!isDeepStrictEqual(js, fast.js)) return `values differ: ${JSON.stringify(js)} / ${JSON.stringify(fast.js)}`;
  const diffs: string[] = [];
  const seen = new Set<YamlNode>();
  const walk = (want: YamlNode | undefined, got: YamlNode | undefined, path: string): void => {
    if (!want || !got) {
      if (want !== got) diffs.push(`${path}: ${want ? 'missing' : 'extra'}`);
      return;
    }
    if (seen.has(want)) return;
    seen.add(want);
    for (const k of ['kind', 'start', 'end', 'style', 'text'] as const) {
      if (want[k] !== got[k]) diffs.push(`${path}.${k}: ${JSON.stringify(want[k])} / ${JSON.stringify(got[k])}`);
    }
    if (want.items?.length !== got.items?.length) diffs.push(`${path}: items`);
    else want.items?.forEach((item, i) => walk(item, got.items![i], `${path}[${i}]`));
    const keys = [...(want.pairs?.keys() ?? [])];
    if (keys.join('\n') !== [...(got.pairs?.keys() ?? [])].join('\n')) diffs.push(`${path}: keys`);
    else {
      for (const k of keys) {
        walk(want.pairs!.get(k)!.key, got.pairs!.get(k)!.key, `${path}.<${k}>`);
        walk(want.pairs!.get(k)!.value, got.pairs!.get(k)!.value, `${path}.${k}`);
      }
    }
    if (want.merges?.length !== got.merges?.length) diffs.push(`${path}: merges`);
    else want.merges?.forEach((m, i) => walk(m, got.merges![i], `${path}.<<${i}`));
  };
  walk(treeOfDocument(doc), fast.tree, '$');
  return diffs.length > 0 ? diffs.slice(0, 5).join('; ') : 'same';
}

const files = ['policies', join('test', 'cases'), join('test', 'differential')].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f): [string, string] => [join(dir, f), readFileSync(join(root, dir, f), 'utf8')]),
);

// ---- random YAML shaped like a policy --------------------------------------------------------

const word = fc.constantFrom(
  ...['a', 'tier', 'P1', 'x y', 'mon-fri 09:00-17:00', 'channel == "web"', "it's", 'é', '2024-12-25'],
  ...['1', '2.5', '-3', '1e3', '1e999', '.5', '0x1F', '0o17', '1_000', '+7', '.inf', '.nan', 'true', 'False', 'null', '~'],
  ...['a: b', 'a #b', '-x', '[x]', '{y}', '@z', '`q', 'yes', ''],
);
const key = fc.constantFrom('a', 'b', 'tier', 'when', 'name', 'x y', '"q"', "'s'", '"1"', '<<', '"<<"', '1', 'null');
const afterValue = fc.constantFrom('', ' ', '   # c', ' # note: x');
const commentLines = fc.array(fc.constantFrom('', '#c', ' # c', '   # deep', '  #x'), { maxLength: 2 });

const scalar: fc.Arbitrary<string> = fc.oneof(
  word.filter((w) => w !== '' && !/^[-[{@`]|: | #/.test(w)),
  word.map((w) => JSON.stringify(w)),
  word.map((w) => `'${w.replace(/'/g, "''")}'`),
  fc.constantFrom('"a\\nb"', '"tab\\tx"', '"\\u00e9"'),
);
const flow = (depth: number): fc.Arbitrary<string> =>
  depth > 2
    ? scalar
    : fc.oneof(
        { weight: 4, arbitrary: scalar },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.array(flow(depth + 1), { maxLength: 3 }), fc.nat(2))
            .map(([xs, form]) =>
              xs.length === 0
                ? ['[]', '[ ]', '[  ]'][form]!
                : [`[${xs.join(', ')}]`, `[ ${xs.join(',')} ]`, `[${xs.join(', ')},]`][form]!,
            ),
        },
        {
          weight: 1,
          arbitrary: fc
            .uniqueArray(
              fc.tuple(
                key.filter((k) => !k.includes('<<')),
                flow(depth + 1),
              ),
              { maxLength: 3, selector: (p) => p[0] },
            )
            .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
        },
      );

/** Lines of a block collection whose first line follows a key or dash (the rest indented by `indent`). */
const block = (indent: number, depth: number): fc.Arbitrary<string[]> => {
  const pad = ' '.repeat(indent);
  const folded = ' '.repeat(indent + 2);
  const value: fc.Arbitrary<{ inline: string } | { lines: string[] }> =
    depth > 3
      ? flow(1).map((inline) => ({ inline }))
      : fc.oneof(
          { weight: 3, arbitrary: flow(1).map((inline) => ({ inline })) },
          { weight: 1, arbitrary: fc.constantFrom(`aa\n${folded}bb`, `"aa\n${folded}bb"`).map((inline) => ({ inline })) },
          { weight: 2, arbitrary: block(indent + 2, depth + 1).map((lines) => ({ lines })) },
        );
  const comments = (lines: string[]) => lines.map((c) => (c ? pad + c : ''));
  const map = fc
    .uniqueArray(fc.tuple(key, value, afterValue, commentLines), { minLength: 1, maxLength: 4, selector: (p) => p[0] })
    .map((pairs) =>
      pairs.flatMap(([k, v, after, below], i) => {
        const head = `${i === 0 ? '' : pad}${k}:`;
        const lines = 'inline' in v ? [`${head} ${v.inline}${after}`] : [head + after, folded + v.lines[0], ...v.lines.slice(1)];
        return [...lines, ...comments(below)];
      }),
    );
  const seq = fc.array(fc.tuple(value, afterValue, commentLines), { minLength: 1, maxLength: 3 }).map((items) =>
    items.flatMap(([v, after, below], i) => {
      const head = `${i === 0 ? '' : pad}-`;
      const lines = 'inline' in v ? [`${head} ${v.inline}${after}`] : [`${head} ${v.lines[0]}`, ...v.lines.slice(1)];
      return [...lines, ...comments(below)];
    }),
  );
  return fc.oneof(map, seq);
};

describe('the fast YAML reader', () => {
  it('reads every policy and test case here, the same as yaml', () => {
    const verdicts = files.map(([name, text]) => [
      name,
      compare(text),
      // Too deep is a limit checked after reading, not a file either reader rejects.
      /^yaml\.(?!too-deep).*\.fail\.yaml$/.test(basename(name)) ? 'both reject' : 'same',
    ]);
    expect(verdicts.filter(([, got, want]) => got !== want)).toEqual([]);
    expect(verdicts.length).toBeGreaterThan(200);
  });

  it('reads generated YAML the same as yaml, or declines it', () => {
    const counts = { same: 0, declined: 0, 'both reject': 0 };
    fc.assert(
      fc.property(block(0, 0), fc.boolean(), (lines, newline) => {
        const text = lines.join('\n') + (newline ? '\n' : '');
        const verdict = compare(text);
        if (verdict in counts) counts[verdict as keyof typeof counts]++;
        else throw new Error(`${verdict} in ${JSON.stringify(text)}`);
      }),
      { numRuns: runs(1500, 50_000) },
    );
    // The generator must keep reaching the fast path, or this test proves little.
    expect(counts.same).toBeGreaterThan(counts.declined / 8);
  });

  it('reads mutated policies the same as yaml, or declines them', () => {
    const seeds = files.map(([, text]) => text);
    const counts = { same: 0, declined: 0, 'both reject': 0 };
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
        const text = ms.reduce(mutate, seed);
        const verdict = compare(text);
        if (verdict in counts) counts[verdict as keyof typeof counts]++;
        else throw new Error(`${verdict} in ${JSON.stringify(text)}`);
      }),
      { numRuns: runs(1500, 50_000) },
    );
    expect(counts.same).toBeGreaterThan(counts.declined);
  });

  it.each([
    ['a YAML error', 'a: [1, 2\nb: 3\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a tag', 'a: !!binary aGk=\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['an empty value', 'a:\nb: 1\n'],
    ['a key that is not a string', 'a: 1\n2: b\n'],
    ['a __proto__ key', '__proto__: 1\n'],
    ['an alias inside an anchored node', 'a: &a [1]\nb: &b [*a]\nc: *b\n'],
    ['an unknown alias', 'a: *nowhere\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['comment lines indented under the last value', 'a:\n  - 1\n    # more\n'],
    ['an empty file', ''],
  ])('declines %s', (_name, text) => {
    expect(fastYaml(text)).toBeUndefined();
  });

  it('declines an anchor used more often than yaml allows, which yaml reports', () => {
    const bomb = `a: &a [x]\nb: [${Array.from({ length: 101 }, () => '*a').join(', ')}]\n`;
    expect(fastYaml(bomb)).toBeUndefined();
    expect(() => parseDocument(bomb).toJS({ maxAliasCount: 100 })).toThrow();
  });

  it('reads a float too large for a number as Infinity, as yaml does', () => {
    expect(fastYaml('a: 1e999\nb: -1e999\n')?.js).toEqual({ a: Infinity, b: -Infinity });
    expect(compare('a: 1e999\nb: [-1e999]\n')).toBe('same');
  });
});
