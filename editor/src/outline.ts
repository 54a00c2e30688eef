// What completion, hover and the try-it panel need to know about the text being edited: the
// declared facts (with where they are declared), derived facts, priorities, tiers, calendars and
// tests. Read with the `yaml` package from the current text, so it follows every keystroke; a text
// that does not parse at all keeps the last outline that did.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';

export interface FactDecl {
  name: string;
  type: string;
  values: string[];
  default?: unknown;
  required: boolean;
  description?: string;
  line: number;
  column: number;
}

export interface DerivedDecl {
  name: string;
  expression: string;
  line: number;
  column: number;
}

export interface PolicyTestCase {
  name: string;
  facts: Record<string, unknown>;
  now?: string;
  line: number;
}

export interface Outline {
  facts: Map<string, FactDecl>;
  derived: Map<string, DerivedDecl>;
  priorities: string[];
  tiers: string[];
  calendars: string[];
  /** The fact that names the channel (`channels.fact`). */
  channelFact: string | null;
  matrixRows: string | null;
  matrixColumns: string | null;
  lookupFact: string | null;
  tests: PolicyTestCase[];
}

export const emptyOutline = (): Outline => ({
  facts: new Map(),
  derived: new Map(),
  priorities: [],
  tiers: [],
  calendars: [],
  channelFact: null,
  matrixRows: null,
  matrixColumns: null,
  lookupFact: null,
  tests: [],
});

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(str).filter((s): s is string => s !== null) : []);

function pairsOf(node: unknown): Pair[] {
  return isMap(node) ? (node.items as Pair[]).filter(isPair) : [];
}

function keyName(p: Pair): string | null {
  return isScalar(p.key) ? str(p.key.value) : null;
}

export function readOutline(text: string, previous: Outline | null): Outline {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false });
  } catch {
    return previous ?? emptyOutline();
  }
  if (!isMap(doc.contents)) return previous ?? emptyOutline();
  const pos = (node: unknown) => {
    const range = (node as Node | null)?.range;
    const at = range ? lineCounter.linePos(range[0]) : { line: 0, col: 0 };
    return { line: at.line, column: at.col };
  };
  const toJS = (node: unknown): unknown => {
    try {
      return node && typeof (node as Node).toJS === 'function' ? (node as Node).toJS(doc, { maxAliasCount: -1 }) : null;
    } catch {
      return null;
    }
  };
  const top = new Map<string, Pair>();
  for (const p of pairsOf(doc.contents)) {
    const k = keyName(p);
    if (k !== null && !top.has(k)) top.set(k, p);
  }
  const out = emptyOutline();

  for (const p of pairsOf(top.get('facts')?.value)) {
    const name = keyName(p);
    if (!name) continue;
    const decl = toJS(p.value);
    const d = decl && typeof decl === 'object' && !Array.isArray(decl) ? (decl as Record<string, unknown>) : {};
    out.facts.set(name, {
      name,
      type: str(d.type) ?? '?',
      values: strings(d.values),
      ...(d.default !== undefined ? { default: d.default } : {}),
      required: d.required === true,
      ...(typeof d.description === 'string' ? { description: d.description } : {}),
      ...pos(p.key),
    });
  }
  for (const p of pairsOf(top.get('derived')?.value)) {
    const name = keyName(p);
    if (!name) continue;
    out.derived.set(name, { name, expression: String(toJS(p.value) ?? ''), ...pos(p.key) });
  }
  out.priorities = strings(toJS(top.get('priorities')?.value));
  const tiers = toJS(top.get('tiers')?.value) as Record<string, unknown> | null;
  out.tiers = tiers && typeof tiers === 'object' ? strings(tiers.levels) : [];
  out.calendars = pairsOf(top.get('calendars')?.value)
    .map(keyName)
    .filter((k): k is string => k !== null);
  const channels = toJS(top.get('channels')?.value) as Record<string, unknown> | null;
  out.channelFact = channels && typeof channels === 'object' ? str(channels.fact) : null;
  const priority = toJS(top.get('priority')?.value) as Record<string, Record<string, unknown>> | null;
  if (priority && typeof priority === 'object') {
    out.matrixRows = str(priority.matrix?.rows);
    out.matrixColumns = str(priority.matrix?.columns);
    out.lookupFact = str(priority.lookup?.fact);
  }
  const tests = top.get('tests')?.value;
  if (isSeq(tests)) {
    for (const item of tests.items) {
      const t = toJS(item) as Record<string, unknown> | null;
      if (!t || typeof t !== 'object') continue;
      const facts = t.facts && typeof t.facts === 'object' && !Array.isArray(t.facts) ? (t.facts as Record<string, unknown>) : {};
      out.tests.push({
        name: str(t.name) ?? `test at line ${pos(item).line}`,
        facts: jsonSafe(facts) as Record<string, unknown>,
        ...(t.now !== undefined ? { now: String(t.now instanceof Date ? t.now.toISOString() : t.now) } : {}),
        line: pos(item).line,
      });
    }
  }
  // A text in the middle of an edit may not parse: what it lost, the last outline still knows.
  if (doc.errors.length && previous) {
    if (!out.facts.size) out.facts = previous.facts;
    if (!out.derived.size) out.derived = previous.derived;
    for (const k of ['priorities', 'tiers', 'calendars', 'tests'] as const)
      if (!out[k].length) (out[k] as unknown[]) = previous[k];
    out.channelFact ??= previous.channelFact;
    out.matrixRows ??= previous.matrixRows;
    out.matrixColumns ??= previous.matrixColumns;
    out.lookupFact ??= previous.lookupFact;
  }
  return out;
}

/** YAML may give dates as Date objects (YAML 1.1 timestamps); the API wants the text. */
function jsonSafe(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  return v;
}

/** Every fact name an expression may read: declared and derived. */
export function factNames(o: Outline): string[] {
  return [...o.facts.keys(), ...o.derived.keys()];
}

/** The values a fact (or `decision.tier` / `decision.priority`) can take, when the policy says. */
export function valuesOf(o: Outline, name: string): string[] {
  if (name === 'decision.tier') return o.tiers;
  if (name === 'decision.priority') return o.priorities;
  if (name === 'decision.channels' && o.channelFact) return o.facts.get(o.channelFact)?.values ?? [];
  const fact = o.facts.get(name);
  if (fact) return fact.values;
  return [];
}

// ---- where the cursor is, in YAML terms -------------------------------------------------------

interface LineShape {
  /** Columns (0-based) of the `- ` markers that open the line. */
  dashes: number[];
  /** The key the line opens, and its column; null for a line with no key. */
  key: string | null;
  keyColumn: number;
  /** True when the key has nothing after it on the line (a parent of what follows). */
  opensBlock: boolean;
}

function shapeOf(line: string): LineShape | null {
  if (/^\s*(#.*)?$/.test(line)) return null;
  const m = /^(\s*)((?:-\s+)*)(?:(["']?)([^\s"':#{[][^"':#]*?)\3\s*:(?:\s+|$))?(.*)$/.exec(line)!;
  const indent = m[1]!.length;
  const dashes: number[] = [];
  let col = indent;
  for (const d of m[2]!.matchAll(/-\s+/g)) {
    dashes.push(col);
    col += d[0].length;
  }
  const key = m[4] !== undefined ? m[4].trim() : null;
  const rest = (m[5] ?? '').replace(/#.*$/, '').trim();
  return { dashes, key, keyColumn: col, opensBlock: key !== null && (rest === '' || /^[&!][^\s]*$/.test(rest)) };
}

/**
 * The path of mapping keys (and `[]` for sequence items) that encloses column `limit` of line
 * `index` (0-based), from the lines above it.
 */
export function enclosingPath(lines: string[], index: number, limit: number): string[] {
  const path: string[] = [];
  for (let i = index - 1; i >= 0 && limit > 0; i--) {
    const s = shapeOf(lines[i]!);
    if (!s) continue;
    const first = s.dashes.length ? s.dashes[0]! : s.keyColumn;
    if (first >= limit) continue;
    if (s.key && s.keyColumn < limit) {
      if (!s.opensBlock) {
        // A sibling key with its own value: only its enclosing sequence items matter.
        limit = s.keyColumn;
      } else {
        path.push(s.key);
        limit = s.keyColumn;
      }
    }
    for (let d = s.dashes.length - 1; d >= 0; d--) {
      if (s.dashes[d]! < limit) {
        path.push('[]');
        limit = s.dashes[d]!;
      }
    }
  }
  return path.reverse();
}

export type CursorContext =
  | { kind: 'key'; path: string[]; prefix: string }
  | { kind: 'value'; path: string[]; key: string; prefix: string }
  | { kind: 'comment' };

/** Whether the cursor is where a key goes or inside a key's value, with the YAML path to it. */
export function cursorContext(lines: string[], index: number, column0: number): CursorContext {
  const before = lines[index]!.slice(0, column0);
  if (/(^|\s)#/.test(before.replace(/"[^"]*"|'[^']*'/g, ''))) return { kind: 'comment' };
  const keyPos = /^(\s*)((?:-\s+)*)([\w.-]*)$/.exec(before);
  if (keyPos) {
    const indent = keyPos[1]!.length;
    const dashes = [...keyPos[2]!.matchAll(/-\s+/g)].length;
    const base = enclosingPath(lines, index, indent);
    return { kind: 'key', path: [...base, ...Array(dashes).fill('[]')], prefix: keyPos[3]! };
  }
  const head = /^(\s*)((?:-\s+)*)(["']?)([^\s"':#{[][^"':#]*?)\3\s*:\s/.exec(before);
  if (!head) return { kind: 'value', path: [], key: '', prefix: before };
  const indent = head[1]!.length;
  const dashCount = [...head[2]!.matchAll(/-\s+/g)].length;
  const path = [...enclosingPath(lines, index, indent), ...Array(dashCount).fill('[]'), head[4]!.trim()];
  let prefix = before.slice(head[0].length);
  // Inside a flow mapping on the same line (`P1: { response: 1 ho`): the innermost key wins.
  const flow = /(?:^|[{,])\s*([A-Za-z_][\w.-]*)\s*:\s+([^{},]*)$/.exec(prefix);
  if (flow && prefix.includes('{')) {
    path.push(flow[1]!);
    prefix = flow[2]!;
  } else if (/^\{[^}]*$/.test(prefix) && /(?:^|[{,])\s*[\w.-]*$/.test(prefix)) {
    return { kind: 'key', path, prefix: /([\w.-]*)$/.exec(prefix)![1]! };
  }
  return { kind: 'value', path, key: path[path.length - 1]!, prefix };
}
