// What the language server knows of one policy text: where its facts, derived facts, calendars,
// tiers, priorities and anchors are declared, the YAML path at a position, and from those the
// completions, hovers, definitions and outline an editor asks for. Pure functions over the text
// (offsets in UTF-16 code units, as JavaScript strings and LSP count them); lsp/server.ts wires
// them to the protocol.
import { type Node, type YAMLMap, type YAMLSeq, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import {
  CONSTANT_WORDS,
  EXPRESSION_KEYS,
  FACT_VALUED_KEYS,
  KEYWORDS,
  LANGUAGE_FUNCTIONS,
  LITERAL_WORDS,
  keyDoc,
  keysAt,
  valuesAt,
} from '../dsl/language.js';

export type DeclarationKind = 'fact' | 'derived fact' | 'calendar' | 'tier' | 'priority' | 'anchor';

/** A name the policy declares, and where (the name's own offsets). */
export interface Declaration {
  name: string;
  kind: DeclarationKind;
  start: number;
  end: number;
  /** What a hover says of it (markdown). */
  doc: string;
}

export interface OutlineItem {
  name: string;
  detail: string;
  kind: 'section' | 'fact' | 'derived fact' | 'calendar' | 'rule' | 'test' | 'entry';
  /** The whole entry, and its name. */
  start: number;
  end: number;
  nameStart: number;
  nameEnd: number;
  children: OutlineItem[];
}

export interface Completion {
  label: string;
  kind: 'keyword' | 'constant' | 'function' | 'fact' | 'value' | 'key' | 'calendar' | 'tier' | 'priority' | 'unit';
  detail: string;
  doc?: string;
  insertText: string;
}

const MAX_VALUES_SHOWN = 12;

/** The declarations and outline of one policy text; tolerant of YAML that is being typed. */
export class PolicyIndex {
  readonly declarations: Declaration[] = [];
  readonly outline: OutlineItem[] = [];
  /** Enum values by fact name. */
  readonly factValues = new Map<string, string[]>();

  constructor(readonly text: string) {
    const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: false });
    const root = doc.contents;
    if (!isMap(root)) return;
    for (const pair of root.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const section = String(pair.key.value);
      const value = pair.value as Node | null;
      const [ks, ke] = [pair.key.range[0], pair.key.range[1]];
      const end = value?.range?.[2] ?? ke;
      const item: OutlineItem = {
        name: section,
        detail: '',
        kind: 'section',
        start: ks,
        end,
        nameStart: ks,
        nameEnd: ke,
        children: [],
      };
      this.outline.push(item);
      if (section === 'facts' && isMap(value)) this.readFacts(value, item);
      else if (section === 'derived' && isMap(value)) this.readNamed(value, 'derived fact', item, (v) => `\`${String(v)}\``);
      else if (section === 'calendars' && isMap(value)) this.readNamed(value, 'calendar', item, calendarDoc);
      else if (section === 'priorities' && isSeq(value)) this.readList(value, 'priority', 'priority level');
      else if (section === 'tiers' && isMap(value)) {
        const levels = value.get('levels', true);
        if (isSeq(levels)) this.readList(levels, 'tier', 'tier');
      } else if (isSeq(value)) this.readEntries(value, section, item);
    }
    // Anchors (`&name`), which aliases (`*name`) and merges point at.
    for (const m of text.matchAll(/(^|[\s[{,:-])&([^\s,[\]{}]+)/g)) {
      const start = m.index + m[1]!.length + 1;
      this.declarations.push({ name: m[2]!, kind: 'anchor', start, end: start + m[2]!.length, doc: `anchor **&${m[2]}**` });
    }
  }

  private readFacts(map: YAMLMap, item: OutlineItem): void {
    for (const pair of map.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const name = String(pair.key.value);
      const decl = isMap(pair.value) ? (plain(pair.value) as Record<string, unknown>) : {};
      const values = Array.isArray(decl.values) ? decl.values.map(String) : [];
      if (values.length) this.factValues.set(name, values);
      const type = typeof decl.type === 'string' ? decl.type : '?';
      const parts = [`**${name}** — fact, \`${type}\`${decl.required === true ? ', required' : ''}`];
      if (values.length) parts.push(`values: ${values.map((v) => `\`${v}\``).join(', ')}`);
      if (decl.default !== undefined) parts.push(`default: \`${JSON.stringify(decl.default)}\``);
      if (typeof decl.description === 'string') parts.push(decl.description);
      const [start, end] = [pair.key.range[0], pair.key.range[1]];
      this.declarations.push({ name, kind: 'fact', start, end, doc: parts.join('\n\n') });
      const whole = (pair.value as Node | null)?.range?.[2] ?? end;
      item.children.push({ name, detail: type, kind: 'fact', start, end: whole, nameStart: start, nameEnd: end, children: [] });
    }
  }

  private readNamed(map: YAMLMap, kind: 'derived fact' | 'calendar', item: OutlineItem, describe: (v: unknown) => string) {
    for (const pair of map.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const name = String(pair.key.value);
      const value = isScalar(pair.value) ? pair.value.value : isMap(pair.value) ? plain(pair.value) : undefined;
      const [start, end] = [pair.key.range[0], pair.key.range[1]];
      this.declarations.push({ name, kind, start, end, doc: `**${name}** — ${kind}\n\n${describe(value)}` });
      const whole = (pair.value as Node | null)?.range?.[2] ?? end;
      const detail = kind === 'derived fact' && typeof value === 'string' ? value : '';
      item.children.push({ name, detail, kind, start, end: whole, nameStart: start, nameEnd: end, children: [] });
    }
  }

  private readList(seq: YAMLSeq, kind: 'tier' | 'priority', words: string): void {
    seq.items.forEach((node, i) => {
      if (!isScalar(node) || !node.range) return;
      const name = String(node.value);
      const order = kind === 'tier' ? 'lowest first' : 'most urgent first';
      this.declarations.push({
        name,
        kind,
        start: node.range[0],
        end: node.range[1],
        doc: `**${name}** — ${words} ${i + 1} of ${seq.items.length} (${order})`,
      });
    });
  }

  private readEntries(seq: YAMLSeq, section: string, item: OutlineItem): void {
    seq.items.forEach((node, i) => {
      if (!isMap(node) || !node.range) return;
      const namePair = ['id', 'deny', 'name', 'code']
        .map((k) => node.items.find((p) => isScalar(p.key) && p.key.value === k))
        .find(Boolean);
      const nameNode = namePair && isScalar(namePair.value) ? namePair.value : undefined;
      const when = node.get('when');
      const [start, end] = [node.range[0], node.range[2]];
      item.children.push({
        name: nameNode ? String(nameNode.value) : `${section} ${i + 1}`,
        detail: typeof when === 'string' ? when : '',
        kind: section === 'tests' ? 'test' : section === 'assert' ? 'entry' : 'rule',
        start,
        end,
        nameStart: nameNode?.range?.[0] ?? start,
        nameEnd: nameNode?.range?.[1] ?? start,
        children: [],
      });
    });
  }

  /** The declarations of a name, the first of each kind in the order facts, derived, calendars, tiers, priorities. */
  declared(name: string): Declaration[] {
    return this.declarations.filter((d) => d.name === name && d.kind !== 'anchor');
  }

  names(kind: DeclarationKind): string[] {
    return [...new Set(this.declarations.filter((d) => d.kind === kind).map((d) => d.name))];
  }

  /** The word at an offset (identifiers may hold `-` and `.`), with its offsets. */
  wordAt(offset: number): { word: string; start: number; end: number } | undefined {
    const isWord = (c: string | undefined) => c !== undefined && /[\w.-]/.test(c);
    let start = offset;
    let end = offset;
    while (start > 0 && isWord(this.text[start - 1])) start--;
    while (isWord(this.text[end])) end++;
    if (start === end) return undefined;
    return { word: this.text.slice(start, end), start, end };
  }

  /** Where the name at an offset is declared: an alias's anchor, a fact, derived fact, calendar, tier or priority. */
  definition(offset: number): Declaration[] {
    const w = this.wordAt(offset);
    if (!w) return [];
    if (this.text[w.start - 1] === '*') return this.declarations.filter((d) => d.kind === 'anchor' && d.name === w.word);
    const name = w.word.startsWith('decision.') ? '' : w.word;
    return this.declared(name);
  }

  /** What a hover at an offset shows (markdown), or undefined. */
  hover(offset: number): { doc: string; start: number; end: number } | undefined {
    const w = this.wordAt(offset);
    if (!w) return undefined;
    const at = (doc: string | undefined) => (doc ? { doc, start: w.start, end: w.end } : undefined);
    const lineStart = this.text.lastIndexOf('\n', w.start - 1) + 1;
    const before = this.text.slice(lineStart, w.start);
    const after = this.text.slice(w.end, w.end + 2);
    if (/^\s*(-\s+)*$/.test(before) && after.startsWith(':')) {
      const path = yamlPathAt(this.text, w.start);
      return at(keyDoc([...path, w.word]) ?? this.declared(w.word)[0]?.doc);
    }
    if (this.text[w.start - 1] === '*') return at(this.declarations.find((d) => d.kind === 'anchor' && d.name === w.word)?.doc);
    const fn = LANGUAGE_FUNCTIONS.find((f) => f.name === w.word);
    if (fn) return at(`\`${fn.signature}\`\n\n${fn.doc}`);
    const decl = this.declared(w.word)[0];
    if (decl) return at(decl.doc);
    const word = [...KEYWORDS, ...CONSTANT_WORDS, ...LITERAL_WORDS].find(
      (k) => k.word === w.word || w.word.startsWith(`${k.word}.`),
    );
    return at(word?.doc);
  }

  /** Completions at an offset: keys where a key goes, else what the value there may hold. */
  complete(offset: number): Completion[] {
    const lineStart = this.text.lastIndexOf('\n', offset - 1) + 1;
    const before = this.text.slice(lineStart, offset);
    if (inComment(before)) return [];
    if (/^\s*(-\s+)*[\w-]*$/.test(before)) return this.completeKeys(yamlPathAt(this.text, offset));
    const m = /^\s*(?:-\s+)*([\w.-]+)\s*:\s+(.*)$/.exec(before);
    if (!m) return this.completeExpression(before);
    const key = m[1]!;
    const value = m[2]!;
    const path = yamlPathAt(this.text, lineStart + before.indexOf(key));
    if (FACT_VALUED_KEYS.has(key) && !EXPRESSION_KEYS.has(key)) return this.factCompletions(true);
    if (key === 'calendar') return this.names('calendar').map((n) => named(n, 'calendar'));
    if (key === 'priority' || (key === 'default' && path[0] === 'priority'))
      return this.names('priority').map((n) => named(n, 'priority'));
    if (['response', 'resolution', 'minimum', 'increment'].includes(key)) {
      return LITERAL_WORDS.slice(0, 4).map((w) => ({
        label: w.word,
        kind: 'unit' as const,
        detail: 'duration',
        doc: w.doc,
        insertText: w.word,
      }));
    }
    if (EXPRESSION_KEYS.has(key) || path[0] === 'derived') return this.completeExpression(value);
    return valuesAt([...path, key]).map((v) => ({ label: v, kind: 'value' as const, detail: key, insertText: v }));
  }

  private completeKeys(path: string[]): Completion[] {
    const out: Completion[] = keysAt(path).map((k) => ({
      label: k.word,
      kind: 'key',
      detail: 'key',
      doc: k.doc,
      insertText: `${k.word}: `,
    }));
    const dynamic = (names: string[], kind: Completion['kind']) =>
      names.forEach((n) => out.push({ label: n, kind, detail: kind, insertText: `${n}: ` }));
    if (path.length === 1 && path[0] === 'sla') dynamic(this.names('tier'), 'tier');
    if (path.length === 2 && path[0] === 'sla') dynamic(this.names('priority'), 'priority');
    if (path.join('.') === 'tests.[].facts') dynamic(this.names('fact'), 'fact');
    return out;
  }

  private factCompletions(withDerived: boolean): Completion[] {
    return this.declarations
      .filter((d) => d.kind === 'fact' || (withDerived && d.kind === 'derived fact'))
      .map((d) => ({ label: d.name, kind: 'fact' as const, detail: d.kind, doc: d.doc, insertText: d.name }));
  }

  private completeExpression(value: string): Completion[] {
    const compared =
      /([A-Za-z_][\w]*)\s*(?:==|!=)\s*("?)[\w-]*$/.exec(value) ??
      /([A-Za-z_][\w]*)\s+(?:not\s+)?in\s*\[(?:[^\]]*,)?\s*("?)[\w-]*$/.exec(value);
    if (/\bdecision\.\w*$/.test(value)) {
      return ['tier', 'priority', 'channels'].map((f) => ({
        label: f,
        kind: 'fact' as const,
        detail: 'decided by an earlier stage',
        insertText: f,
      }));
    }
    const values = compared ? this.factValues.get(compared[1]!) : undefined;
    if (compared && values) {
      const quoted = compared[2] === '"';
      const fact = compared[1]!;
      return values.map((v) => ({
        label: v,
        kind: 'value' as const,
        detail: `${fact} value`,
        insertText: quoted ? v : `"${v}"`,
      }));
    }
    return [
      ...this.factCompletions(true),
      ...LANGUAGE_FUNCTIONS.map((f) => ({
        label: f.name,
        kind: 'function' as const,
        detail: f.signature,
        doc: f.doc,
        insertText: `${f.name}(`,
      })),
      ...KEYWORDS.filter((k) => k.word !== 'per').map((k) => ({
        label: k.word,
        kind: 'keyword' as const,
        detail: 'keyword',
        doc: k.doc,
        insertText: k.word,
      })),
      ...CONSTANT_WORDS.map((c) => ({
        label: c.word,
        kind: 'constant' as const,
        detail: 'constant',
        doc: c.doc,
        insertText: c.word,
      })),
    ];
  }
}

/** A map's plain value for a hover; one that holds aliases (which need the whole document) reads as empty. */
function plain(map: YAMLMap): unknown {
  try {
    return map.toJSON();
  } catch {
    return {};
  }
}

const named = (name: string, kind: 'calendar' | 'priority' | 'tier'): Completion => ({
  label: name,
  kind,
  detail: kind,
  insertText: name,
});

function calendarDoc(v: unknown): string {
  if (!v || typeof v !== 'object') return '';
  const c = v as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof c.hours === 'string') parts.push(`hours: \`${c.hours}\``);
  if (typeof c.timezone === 'string') parts.push(`time zone: \`${c.timezone}\``);
  if (c.holidays && typeof c.holidays === 'object') parts.push(`holidays: ${Object.values(c.holidays).join(' ')}`);
  return parts.join('\n\n');
}

/** Whether the text before a position on its line ends inside a comment. */
function inComment(before: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const c = before[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(before[i - 1]!))) return true;
  }
  return false;
}

/**
 * The YAML path of the key at an offset (`[]` for a list item), from indentation alone, so it
 * works on a line still being typed that does not parse yet.
 */
export function yamlPathAt(text: string, offset: number): string[] {
  const lines = text.slice(0, offset).split('\n');
  const current = lines.pop() ?? '';
  const lead = /^(\s*)((?:-\s+)*)/.exec(current)!;
  const path: string[] = [];
  let need = lead[1]!.length + lead[2]!.length;
  if (lead[2]!.length > 0) {
    for (let i = 0; i < (lead[2]!.match(/-/g) ?? []).length; i++) path.unshift('[]');
    need = lead[1]!.length;
  }
  for (let i = lines.length - 1; i >= 0 && need > 0; i--) {
    const line = lines[i]!;
    const m = /^(\s*)((?:-\s+)*)(?:("[^"]*"|'[^']*'|[^\s#:'"][^:#]*?)\s*:(?:\s|$))?/.exec(line)!;
    const rest = line.slice(m[1]!.length);
    if (rest === '' || rest.startsWith('#')) continue;
    const spaces = m[1]!.length;
    const dashes = (m[2]!.match(/-/g) ?? []).length;
    const keyCol = spaces + m[2]!.length;
    const key = m[3]?.replace(/^["']|["']$/g, '');
    if (dashes > 0 && spaces < need) {
      // An item that holds the position: its own key is a sibling, unless the position is deeper.
      if (key !== undefined && keyCol < need) path.unshift(key);
      for (let d = 0; d < dashes; d++) path.unshift('[]');
      need = spaces;
    } else if (key !== undefined && spaces < need) {
      path.unshift(key);
      need = spaces;
    }
  }
  return path;
}
