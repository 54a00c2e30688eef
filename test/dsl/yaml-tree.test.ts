// The tree of source ranges the loader builds from `yaml`'s document: every range must be the
// text the value was read from (a scalar's own characters, quotes included; a flow collection's
// brackets; a key before its value, children inside their parent), and the tree must hold what
// the JavaScript value holds, so every diagnostic points at the text it is about.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { type YamlNode, treeOfDocument } from '../../dsl/yaml-tree.js';
import { mutate, mutation } from '../support/mutations.js';
import { root, runs } from '../support/reliability.js';

type Verdict = 'ranges hold' | 'rejected' | string;

const QUOTES: Record<string, string> = { QUOTE_DOUBLE: '"', QUOTE_SINGLE: "'" };

/** Whether the tree of `text` holds against the source and the value: 'ranges hold', 'rejected' (a YAML error), or what is wrong. */
function check(text: string): Verdict {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: false, resolveKnownTags: false });
  if (doc.errors.length > 0) return 'rejected';
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch {
    return 'rejected';
  }
  const problems: string[] = [];
  const seen = new Set<YamlNode>();
  const walk = (node: YamlNode | undefined, value: unknown, path: string, outer: [number, number]): void => {
    if (!node) return;
    if (node.start < 0 || node.end > text.length || node.start > node.end) problems.push(`${path}: range ${node.start}-${node.end}`);
    const own = text.slice(node.start, node.end);
    // An alias shares its anchor's node, which lies elsewhere in the file.
    const aliased = seen.has(node);
    if (!aliased && (node.start < outer[0] || node.end > outer[1])) problems.push(`${path}: outside its parent`);
    if (aliased) return;
    seen.add(node);
    if (node.kind === 'scalar') {
      const quote = QUOTES[node.style ?? ''];
      if (quote && (own[0] !== quote || own.at(-1) !== quote || own.length < 2)) problems.push(`${path}: ${JSON.stringify(own)} is not quoted`);
      if (node.style === 'PLAIN' && !own.includes('\n') && own !== node.text) problems.push(`${path}: ${JSON.stringify(own)} / ${JSON.stringify(node.text)}`);
      if (value !== null && typeof value === 'object') problems.push(`${path}: a scalar for a collection`);
      return;
    }
    const flow = own[0] === '[' || own[0] === '{';
    if (flow && own.at(-1) !== (own[0] === '[' ? ']' : '}')) problems.push(`${path}: ${JSON.stringify(own)} is not closed`);
    if (node.kind === 'seq') {
      if (!Array.isArray(value) || value.length !== node.items!.length) problems.push(`${path}: items`);
      else node.items!.forEach((item, i) => walk(item, value[i], `${path}[${i}]`, [node.start, node.end]));
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${path}: a mapping for ${JSON.stringify(value)}`);
      return;
    }
    // A null key (`~:`) is named 'null' in the tree and '' in the value: neither is a policy's.
    const nullKey = (k: string) => /^(~|null|Null|NULL|)$/.test(k);
    for (const [k, { key, value: v }] of node.pairs!) {
      if (key.end > node.end || key.start < node.start) problems.push(`${path}.<${k}>: outside its mapping`);
      if (v && !seen.has(v) && v.start < key.end) problems.push(`${path}.${k}: before its key`);
      if (nullKey(k)) continue;
      if (k !== '<<' && !(k in value)) problems.push(`${path}.${k}: not in the value`);
      else if (k !== '<<') walk(v, (value as Record<string, unknown>)[k], `${path}.${k}`, [node.start, node.end]);
    }
    // Every key of the value is in the tree, written in the mapping or brought in by a merge.
    const has = (m: YamlNode, k: string): boolean => m.pairs!.has(k) || (m.merges ?? []).some((s) => s.kind === 'map' && has(s, k));
    for (const k of Object.keys(value)) if (!nullKey(k) && !has(node, k)) problems.push(`${path}.${k}: missing from the tree`);
  };
  walk(treeOfDocument(doc), js, '$', [0, text.length]);
  return problems.length > 0 ? problems.slice(0, 5).join('; ') : 'ranges hold';
}

const files = ['policies', join('test', 'dsl', 'cases'), join('test', 'engine', 'differential')].flatMap((dir) =>
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
// Keys that are strings: `1` beside `"1"` is one key of the value and two of the YAML, which no policy writes.
const key = fc.constantFrom('a', 'b', 'tier', 'when', 'name', 'x y', '"q"', "'s'", '"1"', '<<', '"<<"');
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

describe('the tree of source ranges', () => {
  it('holds for every policy and test case here', () => {
    const verdicts = files.map(([name, text]) => [name, check(text)]);
    expect(verdicts.filter(([, got]) => got !== 'ranges hold' && got !== 'rejected')).toEqual([]);
    expect(verdicts.filter(([, got]) => got === 'ranges hold').length).toBeGreaterThan(200);
  });

  it('holds for generated YAML', () => {
    let held = 0;
    fc.assert(
      fc.property(block(0, 0), fc.boolean(), (lines, newline) => {
        const text = lines.join('\n') + (newline ? '\n' : '');
        const verdict = check(text);
        if (verdict === 'ranges hold') held++;
        else if (verdict !== 'rejected') throw new Error(`${verdict} in ${JSON.stringify(text)}`);
      }),
      { numRuns: runs(1500, 50_000) },
    );
    // The generator must keep making YAML that reads, or this test proves little.
    expect(held).toBeGreaterThan(runs(1500, 50_000) / 4);
  });

  it('holds for mutated policies', () => {
    const seeds = files.map(([, text]) => text);
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
        const text = ms.reduce(mutate, seed);
        const verdict = check(text);
        if (verdict !== 'ranges hold' && verdict !== 'rejected') throw new Error(`${verdict} in ${JSON.stringify(text)}`);
      }),
      { numRuns: runs(1500, 50_000) },
    );
  });

  it('points a merged key at where it is written', () => {
    const text = 'base: &base { a: 1 }\nx: { <<: *base, b: 2 }\n';
    const tree = treeOfDocument(parseDocument(text, { merge: true }))!;
    const merged = tree.pairs!.get('x')!.value!.merges![0]!.pairs!.get('a')!.value!;
    expect(text.slice(merged.start, merged.end)).toBe('1');
    expect(check(text)).toBe('ranges hold');
  });
});
