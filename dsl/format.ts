// The canonical layout of a policy file (`spe fmt`, the language server's formatting). It edits
// the YAML document in place through yaml's Document API, so comments, anchors, aliases, merge
// keys and quoting survive; then it proves the result reads as the same data as the source.
// No Node modules: the web editor may format too.
import {
  CST,
  type Document,
  type Node,
  type Pair,
  Parser,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit as visitYaml,
} from 'yaml';
import { durationText } from './durations.js';
import type { Diagnostic } from './diagnostics.js';
import { type Locate, parseDuration, parseMoney, parseRate } from './expr.js';
import { yamlSyntax } from './problems/index.js';
import { literalSchemas, policySchema } from './schema.js';
import { SourceFile } from './source.js';

export type FormatResult = { ok: true; text: string; changed: boolean } | { ok: false; diagnostics: Diagnostic[] };

/** How the YAML is read: as the loader reads it (dsl/load.ts), so merge keys stay merge keys. */
const READ = { merge: true, uniqueKeys: true, resolveKnownTags: false, keepSourceTokens: false } as const;
/** Aliases expanded when the result is compared with the source, at most (as dsl/load.ts allows). */
const TO_JS = { maxAliasCount: 100 } as const;
/** How it is written: two spaces, sequences indented under their key, no folding of long text. */
const WRITE = { indent: 2, indentSeq: true, lineWidth: 0, flowCollectionPadding: true } as const;
/** A list of plain values is written on one line (`[a, b]`) when that line stays this short. */
export const FLOW_LIST_WIDTH = 130;
/** Keys written last in any map, whatever the schema lists first. */
const LAST_KEYS = ['others', 'note'];
/** Keys that name a rule, written before its `when:`. */
const RULE_NAME_KEYS = ['id', 'deny'];

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
}

/** Formats one policy source. YAML that does not parse is returned as diagnostics, not changed. */
export function formatPolicy(text: string, fileName = 'policy.yaml'): FormatResult {
  const file = new SourceFile(fileName, text);
  const before = parseDocument(text, READ);
  if (before.errors.length > 0) {
    return {
      ok: false,
      diagnostics: before.errors.map((e) => yamlSyntax({ kind: 'unformattable', span: file.span(e.pos[0]), reason: e.message })),
    };
  }
  // What the result must read as: the source with its literals respelt, nothing else changed.
  if (isMap(before.contents)) visit(before.contents, policySchema as SchemaNode, 0, false, { layout: false, reorder: false });
  let expected: string;
  try {
    expected = sameData(before.toJS(TO_JS));
  } catch (e) {
    // Aliases that expand past the loader's bound (a "billion laughs" file): not a policy to lay out.
    return { ok: false, diagnostics: [yamlSyntax({ kind: 'unformattable', span: file.span(0), reason: (e as Error).message })] };
  }
  // Key order first; if moving keys would put an alias before its anchor, keep the author's order.
  for (const reorder of [true, false]) {
    const doc = parseDocument(text, READ);
    layout(doc, reorder);
    let out: string;
    try {
      out = unpadLists(doc.toString(WRITE));
    } catch {
      continue; // an alias moved before its anchor
    }
    const again = parseDocument(out, READ);
    if (again.errors.length === 0 && sameData(again.toJS(TO_JS)) === expected) {
      return { ok: true, text: out, changed: out !== text };
    }
  }
  // Only a bug of ours gets here: the layout would change the data. Leave the file as it is.
  return { ok: true, text, changed: false };
}

/** Data as text that ignores the order of keys (which the layout changes) and nothing else. */
const sameData = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

function layout(doc: Document, reorder: boolean): void {
  const root = doc.contents;
  if (!isMap(root)) return;
  // The comment above the first key is the file's header: it stays on top whatever key moves there.
  const first = root.items[0]?.key as Node | null | undefined;
  if (reorder && first && isScalar(first) && first.commentBefore) {
    root.commentBefore = root.commentBefore ? `${root.commentBefore}\n${first.commentBefore}` : first.commentBefore;
    first.commentBefore = undefined;
  }
  // yaml keeps a blank line after a trailing comment inside the comment; the layout decides blank lines.
  visitYaml(doc, {
    Node(_, node) {
      if (node.comment) node.comment = node.comment.replace(/\n+$/, '');
    },
  });
  visit(root, policySchema as SchemaNode, 0, false, { layout: true, reorder });
  // Top-level sections that span lines stand apart by one blank line; one-line fields stay together.
  root.items.forEach((pair, i) => {
    const key = pair.key as Node | null;
    if (!key || !isScalar(key)) return;
    const spans = (p: Pair | undefined) => p !== undefined && isBlock(p.value as Node | null);
    key.spaceBefore = i > 0 && (spans(pair) || spans(root.items[i - 1])) ? true : undefined;
  });
  doc.contents = root;
}

const isBlock = (node: Node | null) => (isMap(node) || isSeq(node)) && !node.flow && node.items.length > 0;

interface Passes {
  /** Lists' style and blank lines. */
  layout: boolean;
  /** Keys in the canonical order. */
  reorder: boolean;
}

function visit(node: Node | null, schema: SchemaNode | undefined, depth: number, inFlow: boolean, passes: Passes): void {
  if (isMap(node)) {
    if (passes.reorder && schema?.properties) orderKeys(node, schema);
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const valueSchema =
        schema?.properties?.[key] ?? (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      const value = pair.value as Node | null;
      if (isScalar(value) && valueSchema) respell(value, valueSchema);
      if (passes.layout && isSeq(value) && !inFlow && !node.flow) listStyle(value, depth * 2, key.length);
      visit(value, valueSchema, depth + 1, inFlow || node.flow === true, passes);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) visit(item as Node | null, schema?.items, depth + 1, inFlow || node.flow === true, passes);
  }
}

/** Known keys in the schema's order (a rule's name and `when:` first), the policy's own names after, in their order. */
function orderKeys(map: YAMLMap, schema: SchemaNode): void {
  const known = Object.keys(schema.properties ?? {});
  const isRule = known.includes('when');
  const rank = (pair: Pair, index: number): number => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === '<<') return -1000;
    if (LAST_KEYS.includes(key)) return 2000 + LAST_KEYS.indexOf(key);
    if (isRule && RULE_NAME_KEYS.includes(key)) return -10 + RULE_NAME_KEYS.indexOf(key);
    if (isRule && key === 'when') return -1;
    const at = known.indexOf(key);
    return at >= 0 ? at : 1000 + index;
  };
  const ranked = map.items.map((pair, i) => ({ pair, r: rank(pair as Pair, i), i }));
  ranked.sort((a, b) => a.r - b.r || a.i - b.i);
  map.items = ranked.map((x) => x.pair);
}

/**
 * A list of plain values (or of one-line `{ … }` maps) is written on one line, `[a, b]`, when that
 * line fits in FLOW_LIST_WIDTH columns; any other list one item a line.
 */
function listStyle(seq: YAMLSeq, indent: number, keyWidth: number): void {
  if (seq.items.length === 0) {
    seq.flow = true;
    return;
  }
  const quiet = (n: Node) => !n.commentBefore && !n.comment && !n.spaceBefore && !n.anchor;
  const oneLine = seq.items.every(
    (item) =>
      (isScalar(item) &&
        quiet(item) &&
        item.type !== 'BLOCK_FOLDED' &&
        item.type !== 'BLOCK_LITERAL' &&
        !String(item.value).includes('\n')) ||
      (isMap(item) &&
        item.flow === true &&
        quiet(item) &&
        item.items.every((p) => isScalar(p.key) && isScalar(p.value) && quiet(p.value))),
  );
  // A comment below a list stays below it: on one line it would become the line's comment.
  if (!oneLine || (seq.comment && !seq.flow)) {
    seq.flow = false;
    return;
  }
  const width = (item: unknown) =>
    isScalar(item)
      ? String(item.value).length + (item.type === 'PLAIN' || item.type === undefined ? 0 : 2)
      : JSON.stringify(item).length + 2;
  const line = indent + keyWidth + 3 + seq.items.reduce<number>((sum, item) => sum + width(item) + 2, 0);
  seq.flow = line <= FLOW_LIST_WIDTH;
}

/**
 * One-line lists as `[a, b]`, maps as `{ a: b }` (how policies are written by hand); yaml pads
 * both or neither, so the list brackets lose their padding here, found through yaml's own tokens.
 */
function unpadLists(text: string): string {
  const cut: number[] = [];
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    CST.visit(token, (item) => {
      const value = item.value;
      if (value?.type !== 'flow-collection' || value.start.source !== '[') return;
      const close = value.end.find((t) => t.type === 'flow-seq-end');
      if (!close || text.slice(value.start.offset, close.offset).includes('\n')) return;
      if (text[value.start.offset + 1] === ' ') cut.push(value.start.offset + 1);
      if (text[close.offset - 1] === ' ' && close.offset - 1 > value.start.offset + 1) cut.push(close.offset - 1);
    });
  }
  let out = text;
  for (const at of cut.sort((a, b) => b - a)) out = out.slice(0, at) + out.slice(at + 1);
  return out;
}

// Respelling needs the value, not where a problem is: an unreadable literal is left as written.
const NOWHERE: Locate = () => ({ file: '', line: 1, column: 1, offset: 0, length: 0, endLine: 1, endColumn: 1 });

/** Durations and amounts in one spelling: `2 hour` → `2 hours`, `75.00   EUR per  hour` → `75.00 EUR per hour`. */
function respell(scalar: Scalar, schema: SchemaNode): void {
  if (typeof scalar.value !== 'string') return;
  const text = scalar.value;
  let canonical: string | undefined;
  if (schema === literalSchemas.duration) {
    const d = parseDuration(text, NOWHERE);
    if (d.ok) canonical = `${durationText(d.value)}${d.value.calendar ? ` in ${d.value.calendar.name}` : ''}`;
  } else if (schema === literalSchemas.money) {
    const m = parseMoney(text, NOWHERE);
    if (m.ok) canonical = `${m.value.amount} ${m.value.currency}`;
  } else if (schema === literalSchemas.rate) {
    const r = parseRate(text, NOWHERE);
    if (r.ok) canonical = `${r.value.money.amount} ${r.value.money.currency} per ${r.value.per}`;
  }
  if (canonical !== undefined && canonical !== text) scalar.value = canonical;
}
