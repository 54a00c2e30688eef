// A policy's YAML as a tree of source ranges: what the loader needs to point a diagnostic or an
// explanation at the text a value came from, built from the `yaml` Document the loader reads.
// Ranges are `yaml`'s: [start, end) of the value without its anchor or tag, quotes included.
import { type CST, type Document, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';

export type ScalarStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

export interface YamlPair {
  key: YamlNode;
  value: YamlNode | undefined;
}

export interface YamlNode {
  kind: 'scalar' | 'map' | 'seq';
  start: number;
  end: number;
  /** Scalars: how it is written, and its text after unquoting and folding. */
  style?: ScalarStyle;
  text?: string;
  /** Sequences: the items, aliases resolved. */
  items?: (YamlNode | undefined)[];
  /** Mappings: the first pair of each key (keys as the JavaScript value has them), aliases resolved. */
  pairs?: Map<string, YamlPair>;
  /** Mappings: what each `<<` key merges in, in order. */
  merges?: YamlNode[];
}

// ---- how deep it nests -------------------------------------------------------------------------
// Composing the `yaml` document, and every walk of the value after it (the schema check, the
// policy reader), recurse once per level: a file nesting thousands of levels would exhaust the stack,
// at a depth that depends on who is calling. So depth is bounded before anything recursive
// walks the value, by two walks that keep their own stack.

/**
 * The first collection (document order) nesting deeper than `max` levels in the value the tree
 * stands for, aliases expanded as the value has them; the document's own collection is level 1.
 */
export function deeperThan(root: YamlNode | undefined, max: number): YamlNode | undefined {
  if (!root || root.kind === 'scalar') return undefined;
  // Collections only (scalars add no level), each again only when reached deeper than before:
  // an alias shares its anchor's node, so a shared node is walked at most `max` times.
  const reached = new Map<YamlNode, number>();
  const nodes: YamlNode[] = [root];
  const levels: number[] = [1];
  const children: YamlNode[] = [];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const level = levels.pop()!;
    if (level > max) return node;
    if ((reached.get(node) ?? 0) >= level) continue;
    reached.set(node, level);
    children.length = 0;
    if (node.items) for (const item of node.items) if (item && item.kind !== 'scalar') children.push(item);
    if (node.pairs) for (const { value } of node.pairs.values()) if (value && value.kind !== 'scalar') children.push(value);
    // Last pushed, first walked: in document order, so the node reported is the first one.
    for (let i = children.length - 1; i >= 0; i--) {
      nodes.push(children[i]!);
      levels.push(level + 1);
    }
  }
  return undefined;
}

/**
 * The offset of the first collection nesting deeper than `max` levels in `yaml`'s concrete syntax
 * tree (its parser keeps its own stack; aliases are not expanded here).
 */
export function cstDeeperThan(tokens: Iterable<CST.Token>, max: number): number | undefined {
  for (const token of tokens) {
    const stack: [CST.Token | null | undefined, number][] = [[token, 0]];
    while (stack.length > 0) {
      const [t, level] = stack.pop()!;
      if (!t) continue;
      if (t.type === 'document') stack.push([t.value, level]);
      else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
        if (level + 1 > max) return t.offset;
        for (const item of [...t.items].reverse()) {
          stack.push(['value' in item ? item.value : undefined, level + 1]);
          stack.push(['key' in item ? item.key : undefined, level + 1]);
        }
      }
    }
  }
  return undefined;
}

// ---- from a yaml Document ----------------------------------------------------------------------

/** The tree of a parsed `yaml` Document (aliases resolved, each anchored node converted once). */
export function treeOfDocument(doc: Document): YamlNode | undefined {
  const done = new Map<unknown, YamlNode | undefined>();
  // An alias stands for the last node before it with its anchor, as `Alias.resolve` finds it;
  // but that looks over the whole document for each alias. This walk is in document order, so
  // the last node met with each anchor is the one.
  const anchors = new Map<string, unknown>();
  const convert = (node: unknown): YamlNode | undefined => {
    if (isAlias(node)) node = anchors.get(node.source);
    else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) anchors.set(node.anchor, node);
    if (done.has(node)) return done.get(node);
    let out: YamlNode | undefined;
    if (isScalar(node) && node.range) {
      out = { kind: 'scalar', start: node.range[0], end: node.range[1], text: String(node.source ?? node.value) };
      if (node.type) out.style = node.type as ScalarStyle;
    } else if (isSeq(node) && node.range) {
      out = { kind: 'seq', start: node.range[0], end: node.range[1] };
      done.set(node, out);
      out.items = node.items.map(convert);
    } else if (isMap(node) && node.range) {
      const map: YamlNode = { kind: 'map', start: node.range[0], end: node.range[1], pairs: new Map() };
      done.set(node, (out = map));
      for (const p of node.items) {
        if (!isPair(p) || !isScalar(p.key)) continue;
        // Under `merge: true` a `<<` key's value is a symbol.
        const name = typeof p.key.value === 'symbol' ? (p.key.value.description ?? '') : String(p.key.value);
        const key = convert(p.key);
        const value = p.value === null ? undefined : convert(p.value);
        // The first pair with a key is the one that counts.
        if (key && !map.pairs!.has(name)) map.pairs!.set(name, { key, value });
        if (typeof p.key.value === 'symbol' && value) {
          const sources = value.kind === 'seq' ? value.items!.filter((s) => s !== undefined) : [value];
          (map.merges ??= []).push(...sources);
        }
      }
    }
    done.set(node, out);
    return out;
  };
  return convert(doc.contents);
}

/**
 * The nodes the value reaches by more than one path: an anchored node and all inside it, once it
 * is used again through an alias (`*name`) or a merge key (`<<: *name`). One walk with its own
 * stack; each node's children are walked once however many keys hold them.
 */
export function reusedNodes(root: YamlNode | undefined): Set<YamlNode> {
  const seen = new Set<YamlNode>();
  const reused = new Set<YamlNode>();
  // A `<<` key's value is walked as what it merges (the same nodes), once.
  const children = (node: YamlNode): YamlNode[] => {
    const out: YamlNode[] = [];
    for (const item of node.items ?? []) if (item) out.push(item);
    for (const [key, { value }] of node.pairs ?? []) if (value && !(key === '<<' && node.merges)) out.push(value);
    out.push(...(node.merges ?? []));
    return out;
  };
  const markAll = (from: YamlNode) => {
    const stack = [from];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (reused.has(node)) continue;
      reused.add(node);
      stack.push(...children(node));
    }
  };
  const stack: YamlNode[] = root ? [root] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) {
      markAll(node);
      continue;
    }
    seen.add(node);
    stack.push(...children(node));
  }
  return reused;
}
