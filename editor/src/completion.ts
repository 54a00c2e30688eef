// Completion and hover for policies: keys from the JSON Schema (and the policy's own tiers,
// priorities and matrix values where a map is keyed by them), and inside expressions the facts,
// their enum values after `==` / `in [`, `decision.*`, keywords, functions, duration units and
// calendars. Hovering a fact shows its declaration.
import * as monaco from 'monaco-editor/editor/editor.api';
import {
  CONSTANTS,
  CONSTANT_WORDS,
  EXPRESSION_KEYWORDS,
  FACT_VALUED_KEYS,
  FUNCTIONS,
  KEYWORDS,
  LANGUAGE_ID,
  LITERAL_WORDS,
  keyDoc,
} from './language';
import { type Outline, cursorContext, factNames, valuesOf } from './outline';

type Schema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  required?: string[];
};

export interface LanguageContext {
  outline(model: monaco.editor.ITextModel): Outline | null;
  schema(): Schema | null;
}

const Kind = monaco.languages.CompletionItemKind;

/** The schema of the value at a YAML path (`[]` for a sequence item). */
export function schemaAt(root: Schema | null, path: string[]): Schema | null {
  let s: Schema | null = root;
  for (const seg of path) {
    if (!s) return null;
    if (seg === '[]') s = s.items ?? null;
    else s = s.properties?.[seg] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : null);
  }
  return s;
}

/** The keys of the block mapping holding line `at` (0-based), other than that line's own. */
function siblingKeys(lines: readonly string[], at: number): Set<string> {
  const indent = /^ */.exec(lines[at] ?? '')![0].length;
  const keys = new Set<string>();
  const scan = (from: number, step: 1 | -1) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const l = lines[i]!;
      if (!l.trim() || l.trim().startsWith('#')) continue;
      const n = /^ */.exec(l)![0].length;
      if (n < indent || (n === indent && /^\s*-\s/.test(l))) break;
      const key = n === indent ? /^\s*([^:#\s][^:#]*?):(?:\s|$)/.exec(l)?.[1] : undefined;
      if (key) keys.add(key);
    }
  };
  scan(at - 1, -1);
  scan(at + 1, 1);
  return keys;
}

/** Keys a map takes that the schema cannot list: the policy's own tiers, priorities, matrix values. */
function dynamicKeys(o: Outline, path: string[]): { names: string[]; what: string } | null {
  const p = path.join('.');
  if (p === 'sla' || p === 'channels.byTier') return { names: o.tiers, what: 'tier' };
  if (path.length === 2 && path[0] === 'sla') return { names: o.priorities, what: 'priority' };
  if (p === 'priority.matrix.cells' && o.matrixRows) return { names: valuesOf(o, o.matrixRows), what: `${o.matrixRows} value` };
  if (path.length === 4 && p.startsWith('priority.matrix.cells.') && o.matrixColumns)
    return { names: valuesOf(o, o.matrixColumns), what: `${o.matrixColumns} value` };
  if (p === 'priority.lookup.table' && o.lookupFact) return { names: valuesOf(o, o.lookupFact), what: `${o.lookupFact} value` };
  if (p === 'tests.[].facts') return { names: factNames(o).filter((n) => o.facts.has(n)), what: 'fact' };
  return null;
}

/** What a keyword, constant or word of durations means: the language table's documentation. */
const WORD_DOCS = new Map([...KEYWORDS, ...CONSTANT_WORDS, ...LITERAL_WORDS].map((w) => [w.word, w.doc]));

function describeFact(o: Outline, name: string): string | null {
  const f = o.facts.get(name);
  if (f) {
    const parts = [`**${f.name}** — fact, \`${f.type}\`${f.required ? ', required' : ''}`];
    if (f.values.length) parts.push(`values: ${f.values.map((v) => `\`${v}\``).join(', ')}`);
    if (f.default !== undefined) parts.push(`default: \`${JSON.stringify(f.default)}\``);
    if (f.description) parts.push(f.description);
    parts.push(`declared at line ${f.line}`);
    return parts.join('\n\n');
  }
  const d = o.derived.get(name);
  if (d) return `**${d.name}** — derived fact\n\n\`${d.expression}\`\n\ndeclared at line ${d.line}`;
  return null;
}

const quoteIfNeeded = (v: string, quoted: boolean) => (quoted ? v : `"${v}"`);

export function registerProviders(ctx: LanguageContext): monaco.IDisposable[] {
  const completion = monaco.languages.registerCompletionItemProvider(LANGUAGE_ID, {
    triggerCharacters: ['.', ' ', '"', '[', ','],
    provideCompletionItems(model, position) {
      const o = ctx.outline(model);
      if (!o) return { suggestions: [] };
      const lines = model.getLinesContent();
      const c = cursorContext(lines, position.lineNumber - 1, position.column - 1);
      const word = model.getWordUntilPosition(position);
      const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
      const suggestions: monaco.languages.CompletionItem[] = [];
      const add = (
        label: string,
        kind: monaco.languages.CompletionItemKind,
        detail: string,
        extra: Partial<monaco.languages.CompletionItem> = {},
      ) => suggestions.push({ label, kind, detail, insertText: label, range, ...extra });

      if (c.kind === 'comment') return { suggestions: [] };
      if (c.kind === 'key') {
        // Typing a space after a key prefix is not asking for keys.
        if (/\s$/.test(model.getLineContent(position.lineNumber).slice(0, position.column - 1)) && c.prefix === '') {
          const trimmed = model
            .getLineContent(position.lineNumber)
            .slice(0, position.column - 1)
            .trim();
          if (trimmed !== '' && trimmed !== '-' && !trimmed.endsWith('{') && !trimmed.endsWith(',')) return { suggestions: [] };
        }
        const schema = schemaAt(ctx.schema(), c.path);
        const dyn = dynamicKeys(o, c.path);
        // A key the mapping already has is not offered again.
        const present = siblingKeys(model.getLinesContent(), position.lineNumber - 1);
        if (dyn) for (const n of dyn.names) if (!present.has(n)) add(n, Kind.EnumMember, dyn.what, { insertText: `${n}: ` });
        for (const k of Object.keys(schema?.properties ?? {})) {
          if (present.has(k)) continue;
          const doc = keyDoc([...c.path, k]) ?? '';
          add(k, Kind.Property, doc.split('\n')[0]!, {
            insertText: `${k}: `,
            sortText: `${schema?.required?.includes(k) ? '0' : '1'}${k}`,
            documentation: { value: doc },
          });
        }
        return { suggestions };
      }

      // A value: which key holds it decides what it is.
      const key = c.key;
      const prefix = c.prefix;
      const schema = schemaAt(ctx.schema(), c.path);
      if (schema?.enum) {
        for (const v of schema.enum) if (typeof v === 'string') add(v, Kind.EnumMember, schema.description ?? '');
        return { suggestions };
      }
      if (key === 'calendar') {
        for (const cal of o.calendars) add(cal, Kind.Module, 'calendar');
        return { suggestions };
      }
      if ((key === 'zone' && c.path.length === 1) || (key === 'timezone' && c.path[0] === 'calendars')) {
        for (const z of Intl.supportedValuesOf('timeZone')) add(z, Kind.EnumMember, 'IANA time zone');
        return { suggestions };
      }
      if (FACT_VALUED_KEYS.has(key) && c.path[0] !== 'tests') {
        for (const n of factNames(o)) add(n, Kind.Variable, o.facts.get(n)?.type ?? 'derived fact');
        return { suggestions };
      }
      if ((key === 'priority' || key === 'default') && c.path[0] === 'priority') {
        for (const p of o.priorities) add(p, Kind.EnumMember, 'priority');
        return { suggestions };
      }
      if (c.path[0] === 'tests' && c.path.includes('facts') && c.path.length >= 4) {
        for (const v of valuesOf(o, key)) add(v, Kind.EnumMember, `${key} value`);
        return { suggestions };
      }
      if (key === 'allow' || (c.path[0] === 'channels' && c.path[1] === 'byTier')) {
        for (const v of o.channelFact ? valuesOf(o, o.channelFact) : []) add(v, Kind.EnumMember, 'channel');
        return { suggestions };
      }

      // An expression.
      const decisionDot = /decision\.(\w*)$/.exec(prefix);
      if (decisionDot) {
        add('tier', Kind.Field, 'the tier decided so far');
        add('priority', Kind.Field, 'the priority decided so far');
        add('channels', Kind.Field, 'the channels decided so far');
        return { suggestions };
      }
      const compared = /([A-Za-z_][\w.]*)\s*(?:==|!=)\s*("?)([\w-]*)$/.exec(prefix);
      const listed = /([A-Za-z_][\w.]*)\s+(?:not\s+)?in\s*\[(?:[^\]]*,)?\s*("?)([\w-]*)$/.exec(prefix);
      const valueOf = compared ?? listed;
      if (valueOf) {
        const values = valuesOf(o, valueOf[1]!);
        if (values.length) {
          const quoted = valueOf[2] === '"';
          for (const v of values) {
            add(v, Kind.EnumMember, `${valueOf[1]} value`, {
              insertText: quoteIfNeeded(v, quoted),
              filterText: quoted ? v : `"${v}"`,
            });
          }
          return { suggestions };
        }
      }
      const afterNumber = /(?:^|[\s(,[])\d+(?:\.\d+)?\s+(business\s+)?([a-z]*)$/.exec(prefix);
      if (afterNumber) {
        const units = afterNumber[1] ? ['hours', 'days'] : ['minutes', 'hours', 'days', 'business hours', 'business days'];
        const fitting = units.filter((u) => u.startsWith(afterNumber[2]!));
        for (const u of fitting) add(u, Kind.Unit, 'duration unit', { sortText: `!${u}` });
        // After a number only a unit, or an operator keyword, can follow: no facts or functions.
        if (fitting.length) {
          for (const k of EXPRESSION_KEYWORDS) add(k, Kind.Keyword, 'keyword', { sortText: `2${k}` });
          return { suggestions };
        }
      }
      if (/business\s+(?:hours|days)\s+in\s+\w*$/.test(prefix)) {
        for (const cal of o.calendars) add(cal, Kind.Module, 'calendar');
        return { suggestions };
      }
      for (const n of factNames(o)) {
        const f = o.facts.get(n);
        const doc = describeFact(o, n);
        add(n, Kind.Variable, f ? `fact · ${f.type}` : 'derived fact', {
          sortText: `0${n}`,
          ...(doc ? { documentation: { value: doc } } : {}),
        });
      }
      add('decision.tier', Kind.Field, 'the tier decided so far', { sortText: '1decision.tier' });
      add('decision.priority', Kind.Field, 'the priority decided so far', { sortText: '1decision.priority' });
      for (const k of EXPRESSION_KEYWORDS)
        add(k, Kind.Keyword, 'keyword', { sortText: `2${k}`, documentation: { value: WORD_DOCS.get(k) ?? '' } });
      for (const k of CONSTANTS)
        add(k, Kind.Constant, 'constant', { sortText: `3${k}`, documentation: { value: WORD_DOCS.get(k) ?? '' } });
      for (const f of FUNCTIONS) {
        add(f.name, Kind.Function, f.signature, {
          insertText: `${f.name}($0)`,
          insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet,
          documentation: { value: f.doc },
          sortText: `4${f.name}`,
        });
      }
      return { suggestions };
    },
  });

  const hover = monaco.languages.registerHoverProvider(LANGUAGE_ID, {
    provideHover(model, position) {
      const o = ctx.outline(model);
      const word = model.getWordAtPosition(position);
      if (!o || !word) return null;
      const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
      const line = model.getLineContent(position.lineNumber);
      const before = line.slice(0, word.startColumn - 1);
      if (/decision\.$/.test(before)) {
        const what: Record<string, string> = {
          tier: `the tier the ticket is in (${o.tiers.join(' < ') || 'no tiers'})`,
          priority: `the priority decided so far (${o.priorities.join(', ') || 'no priorities'})`,
          channels: 'the channels decided so far',
        };
        return what[word.word] ? { range, contents: [{ value: `**decision.${word.word}** — ${what[word.word]}` }] } : null;
      }
      const fact = describeFact(o, word.word);
      if (fact) return { range, contents: [{ value: fact }] };
      const fn = FUNCTIONS.find((f) => f.name === word.word);
      if (fn && /^\s*\(/.test(line.slice(word.endColumn - 1)))
        return { range, contents: [{ value: `\`${fn.signature}\`\n\n${fn.doc}` }] };
      if (o.calendars.includes(word.word) && /calendar|\bin\s*$/.test(before))
        return { range, contents: [{ value: `**${word.word}** — calendar` }] };
      // A key of the policy format: what the schema says of it.
      if (/^\s*(?:-\s+)*$/.test(before) && /^\s*:/.test(line.slice(word.endColumn - 1))) {
        const c = cursorContext(model.getLinesContent(), position.lineNumber - 1, word.startColumn - 1);
        const dyn = c.kind === 'key' ? dynamicKeys(o, c.path) : null;
        if (dyn?.names.includes(word.word)) return { range, contents: [{ value: `**${word.word}** — ${dyn.what}` }] };
        // A section's documentation from the language table, else what the schema says of the key.
        const doc = c.kind === 'key' ? keyDoc([...c.path, word.word]) : undefined;
        if (doc) return { range, contents: [{ value: `**${word.word}** — ${doc}` }] };
        return null;
      }
      // A keyword, constant or word of a duration inside a value.
      const wordDoc = WORD_DOCS.get(word.word);
      const prose = /^\s*(?:-\s+)?(?:message|description|title|name|note|label)\s*:/.test(line) || before.includes('#');
      if (wordDoc && before.includes(':') && !prose) return { range, contents: [{ value: `**${word.word}** — ${wordDoc}` }] };
      return null;
    },
  });
  return [completion, hover];
}
