// A policy's YAML as a tree of source ranges: what the loader needs to point a diagnostic or an
// explanation at the text a value came from. Built one of two ways, with the same ranges:
//  - `fastYaml`: js-yaml's event parser, several times faster than `yaml`, for the files it reads
//    the same way (every policy in practice); it declines anything else;
//  - `treeOfDocument`: from a `yaml` Document, which also gives the YAML errors in our words.
// Ranges are `yaml`'s: [start, end) of the value without its anchor or tag, quotes included.
import { type CST, type Document, Parser, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import * as jsYaml from 'js-yaml';

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
// Both YAML readers, and every walk of the value after them (the schema check, the policy
// reader), recurse once per level: a file nesting thousands of levels would exhaust the stack,
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
 * The offset of the first collection nesting deeper than `max` levels, read from `yaml`'s
 * concrete syntax tree (its parser keeps its own stack; aliases are not expanded here).
 */
export function cstDeeperThan(text: string, max: number): number | undefined {
  for (const token of new Parser().parse(text)) {
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
  const convert = (node: unknown): YamlNode | undefined => {
    if (isAlias(node)) node = node.resolve(doc);
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

// ---- from js-yaml's events ---------------------------------------------------------------------

/** A float as YAML 1.2's core schema writes one. */
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const { floatCoreTag } = jsYaml;
/** js-yaml leaves a float too large for a number (`1e999`) a string; `yaml` reads it as Infinity, and so do we. */
const floatTag = jsYaml.defineScalarTag(floatCoreTag.tagName, {
  implicit: true,
  implicitFirstChars: floatCoreTag.implicitFirstChars,
  resolve(source, explicit, name) {
    const value = floatCoreTag.resolve(source, explicit, name);
    return value === jsYaml.NOT_RESOLVED && FLOAT.test(source) ? Number.parseFloat(source) : value;
  },
  identify: floatCoreTag.identify,
});
/** YAML 1.2's core schema with merge keys: how `yaml` reads a policy with `merge: true`. */
const schema = new jsYaml.Schema([...jsYaml.CORE_SCHEMA.tags.map((t) => (t === floatCoreTag ? floatTag : t)), jsYaml.mergeTag]);
const E = jsYaml.EVENT_ID;
const STYLES: ScalarStyle[] = ['PLAIN', 'PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'];
/** `yaml` reports an alias used this many times for one anchor (alias bombs). */
const MAX_ALIASES = 100;

/** The anchor names the fast path reads. */
const ANCHOR = /^[A-Za-z0-9_-]+$/;

/** Declines the fast path: `yaml` reads the file instead. */
class Decline extends Error {}

/**
 * The JavaScript value and the tree of a policy file, read by js-yaml; undefined for anything
 * whose reading or ranges could differ from `yaml`'s: YAML errors (which `yaml` words for us),
 * tags, directives, several documents, block scalars, empty values, implicit flow pairs,
 * non-string keys, `__proto__`, and aliases beyond the simplest (an anchored node holding no alias).
 */
export function fastYaml(text: string): { js: unknown; tree: YamlNode | undefined } | undefined {
  let events: jsYaml.Event[];
  try {
    events = jsYaml.parseEvents(text, {});
  } catch {
    return undefined;
  }
  try {
    const tree = new EventReader(text, events).read();
    const docs = jsYaml.constructFromEvents(events, { source: text, schema });
    return docs.length === 1 ? { js: docs[0], tree } : undefined;
  } catch (e) {
    // Nesting deep enough to exhaust the stack: `yaml` reads it, after its depth is checked.
    if (e instanceof Decline || e instanceof jsYaml.YAMLException || e instanceof RangeError) return undefined;
    throw e;
  }
}

class EventReader {
  private at = 0;
  private readonly anchors = new Map<string, YamlNode>();
  private readonly aliasUses = new Map<string, number>();
  /** Nodes under construction that carry an anchor: an alias inside them declines. */
  private anchoredOpen = 0;

  constructor(
    readonly text: string,
    readonly events: jsYaml.Event[],
  ) {}

  read(): YamlNode | undefined {
    const { events } = this;
    const doc = events[0];
    if (events.length < 3 || doc?.type !== E.DOCUMENT || doc.directives.length > 0 || doc.explicitStart || doc.explicitEnd)
      throw new Decline();
    this.at = 1;
    const root = this.node();
    if (events[this.at]?.type !== E.POP || this.at + 1 !== events.length) throw new Decline();
    return root.node;
  }

  /** Reads one node; `end` is where `yaml` ends it as the last item of a block collection. */
  private node(): { node: YamlNode; end: number } {
    const e = this.events[this.at++];
    switch (e?.type) {
      case E.SCALAR: {
        if (e.tagStart >= 0 || e.valueStart < 0 || e.style >= 4) throw new Decline();
        const quoted = e.style !== 1;
        const node: YamlNode = {
          kind: 'scalar',
          start: quoted ? e.valueStart - 1 : e.valueStart,
          end: quoted ? e.valueEnd + 1 : e.valueEnd,
          style: STYLES[e.style],
          text: jsYaml.getScalarValue(this.text, e),
        };
        if (e.anchorStart >= 0) this.anchor(e, node);
        return { node, end: this.lineEnd(node.end) };
      }
      case E.ALIAS: {
        const name = this.name(e);
        const target = this.anchors.get(name);
        const uses = (this.aliasUses.get(name) ?? 0) + 1;
        if (!target || this.anchoredOpen > 0 || uses > MAX_ALIASES) throw new Decline();
        this.aliasUses.set(name, uses);
        return { node: target, end: this.lineEnd(e.anchorEnd) };
      }
      case E.MAPPING:
      case E.SEQUENCE:
        return this.collection(e);
      default:
        throw new Decline();
    }
  }

  /** Records an anchor; one written oddly (`&:[x]`), which the two readers may not agree on, declines. */
  private anchor(e: { anchorStart: number; anchorEnd: number }, node: YamlNode): void {
    const name = this.name(e);
    const after = this.text[e.anchorEnd];
    if (after !== undefined && after !== ' ' && after !== '\n' && after !== '\r') throw new Decline();
    this.anchors.set(name, node);
  }

  private name(e: { anchorStart: number; anchorEnd: number }): string {
    const name = this.text.slice(e.anchorStart, e.anchorEnd);
    if (!ANCHOR.test(name)) throw new Decline();
    return name;
  }

  private collection(e: jsYaml.MappingEvent | jsYaml.SequenceEvent): { node: YamlNode; end: number } {
    if (e.tagStart >= 0) throw new Decline();
    const flow = e.style === 2;
    const open = this.text[e.start];
    const isMap = e.type === E.MAPPING;
    if (flow && open !== (isMap ? '{' : '[')) throw new Decline();
    const node: YamlNode = isMap
      ? { kind: 'map', start: e.start, end: e.start, pairs: new Map() }
      : { kind: 'seq', start: e.start, end: e.start, items: [] };
    const anchored = e.anchorStart >= 0;
    if (anchored) this.anchoredOpen++;
    let last = e.start;
    while (this.events[this.at]?.type !== E.POP) {
      if (isMap) {
        const keyEvent = this.events[this.at];
        const key = this.node();
        const name = this.keyName(keyEvent!, key.node);
        const value = this.node();
        if (!node.pairs!.has(name)) node.pairs!.set(name, { key: key.node, value: value.node });
        if (name === '<<' && key.node.style === 'PLAIN')
          (node.merges ??= []).push(...(value.node.kind === 'seq' ? (value.node.items as YamlNode[]) : [value.node]));
        last = value.end;
      } else {
        const item = this.node();
        node.items!.push(item.node);
        last = item.end;
      }
    }
    this.at++;
    if (anchored) {
      this.anchoredOpen--;
      this.anchor(e, node);
    }
    if (flow) {
      node.end = this.flowEnd(last, isMap ? '}' : ']');
      return { node, end: this.lineEnd(node.end) };
    }
    node.end = last;
    return { node, end: this.trailingComments(last, this.column(e.start)) };
  }

  /** A key as the JavaScript value has it; declines keys that are not plain strings. */
  private keyName(e: jsYaml.Event, key: YamlNode): string {
    if (e.type !== E.SCALAR || key.kind !== 'scalar' || e.anchorStart >= 0) throw new Decline();
    const name = key.text!;
    if (name === '__proto__') throw new Decline();
    if (key.style === 'PLAIN' && name !== '<<' && schema.resolveImplicitScalarTag(name).tag !== schema.defaultScalarTag)
      throw new Decline();
    return name;
  }

  private column(offset: number): number {
    return offset - (this.text.lastIndexOf('\n', offset - 1) + 1);
  }

  /** After a value: its spaces, its comment and its line break. */
  private lineEnd(from: number): number {
    const t = this.text;
    let i = from;
    while (t[i] === ' ' || t[i] === '\t') i++;
    if (t[i] === '#') while (i < t.length && t[i] !== '\n') i++;
    if (t[i] === '\r' && t[i + 1] === '\n') i++;
    if (t[i] === '\n') i++;
    return i;
  }

  /**
   * Where `yaml` ends a block collection as an item of another: after the comment lines that
   * follow it at its own indentation, the blank lines among and after them and the indentation
   * of the line after; comment lines that follow it outdented are its parent's. Any other mix
   * is not worth mirroring: it declines.
   */
  private trailingComments(from: number, indent: number): number {
    const t = this.text;
    let end = from;
    let own = false;
    let outdented = false;
    for (let i = from; i < t.length;) {
      let j = i;
      while (t[j] === ' ') j++;
      const nl = t.indexOf('\n', j);
      const next = nl < 0 ? t.length : nl + 1;
      if (t[j] === '#') {
        if (j - i === indent) own = true;
        else if (j - i < indent) outdented = true;
        else throw new Decline();
        if (own && outdented) throw new Decline();
      } else if (j < t.length && t[j] !== '\n' && t[j] !== '\r') {
        // Up to the next line's first token, past its indentation.
        if (own) end = j;
        break;
      }
      if (own) end = next;
      i = next;
    }
    return end;
  }

  /** Just past the bracket that closes a flow collection whose last item ends at `from`. */
  private flowEnd(from: number, close: string): number {
    const t = this.text;
    for (let i = from; i < t.length; i++) {
      const c = t[i];
      if (c === close) return i + 1;
      if (c === '#') {
        const nl = t.indexOf('\n', i);
        if (nl < 0) break;
        i = nl;
      } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r' && c !== ',' && !(i === from && (c === '[' || c === '{')))
        break;
    }
    throw new Decline();
  }
}
