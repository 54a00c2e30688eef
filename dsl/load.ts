// Loads a policy file: YAML with source positions → schema check (ajv, errors mapped back to the
// YAML node and put in a contract admin's words) → policy model → semantic checks.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Composer, type Document, Parser, YAMLParseError, isAlias, isNode, visit } from 'yaml';
import type { CST } from 'yaml';
import { type CheckOptions, checkPolicy } from './checks/index.js';
import { type Diagnostic, MAX_NESTING, diagnostic, didYouMean, finishDiagnostics, formatSpan, hasErrors, tooDeep } from './diagnostics.js';
import type { Policy } from './model.js';
import { isRealDate } from './datetime.js';
import { NodeFinder, type Path, PolicyReader } from './read.js';
import { compileSchemaValidator } from './schema-validator.js';
import { SourceFile } from './source.js';
import { indentMistake } from './yaml-indent.js';
import { type YamlNode, cstDeeperThan, deeperThan, reusedNodes, treeOfDocument } from './yaml-tree.js';

export type LoadResult =
  { ok: true; policy: Policy; diagnostics: Diagnostic[] } | { ok: false; policy?: Policy; diagnostics: Diagnostic[] };

/** Bounds that keep a hostile file from costing unbounded time or memory. */
const LIMITS = { maxAliasCount: 100, maxBytes: 2 * 1024 * 1024 };

let validator: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  validator ??= compileSchemaValidator();
  return validator;
}

/** Loads and checks one policy source. Never throws on user input: every problem is a diagnostic. */
export function loadPolicy(text: string, fileName = 'policy.yaml', options: CheckOptions = {}): LoadResult {
  const file = new SourceFile(fileName, text);
  if (text.length > LIMITS.maxBytes) {
    return fail([diagnostic('yaml.syntax', file.span(0), `the file is larger than ${LIMITS.maxBytes / 1024 / 1024} MiB`)]);
  }
  const read = readYaml(text, file);
  if ('problems' in read) return fail(read.problems);
  const { js, tree } = read;
  if (js === null || js === undefined || typeof js !== 'object' || Array.isArray(js)) {
    return fail([
      diagnostic(
        'schema.wrong-type',
        file.span(0),
        'a policy file must be a mapping of fields such as policy, title, facts',
        "start with 'policy: my-policy'",
      ),
    ]);
  }

  const at = new NodeFinder(file, tree);
  const validate = schemaValidator();
  if (!validate(js)) return fail(schemaDiagnostics(validate.errors ?? [], at, js));

  const diagnostics: Diagnostic[] = [];
  const effective = (js as { effective: string }).effective;
  if (!isRealDate(effective))
    diagnostics.push(
      diagnostic('schema.bad-value', at.span(['effective']), `'effective' is ${effective}, which is not a date on the calendar`),
    );
  const policy = new PolicyReader(at, js as Record<string, unknown>, diagnostics).read();
  // Parts written once and used again through aliases or merge keys: one rule to test (coverage).
  const reused = new Set([...reusedNodes(tree)].map((n) => formatSpan(file.span(n.start, n.end - n.start))));
  if (reused.size > 0) policy.reused = reused;
  diagnostics.push(...checkPolicy(policy, options, diagnostics));
  const finished = finishDiagnostics(diagnostics);
  return hasErrors(finished) ? { ok: false, policy, diagnostics: finished } : { ok: true, policy, diagnostics: finished };
}

function fail(diagnostics: Diagnostic[]): LoadResult {
  return { ok: false, diagnostics: finishDiagnostics(diagnostics) };
}

/**
 * The file's value and its tree of source ranges, read by `yaml`, with its errors in an admin's
 * words.
 */
function readYaml(text: string, file: SourceFile): { js: unknown; tree: YamlNode | undefined } | { problems: Diagnostic[] } {
  // Depth is checked before anything that recurses over the value (the schema check, the reader),
  // `yaml`'s composing of the document among them: on its syntax tree, which its parser builds
  // with a stack of its own. The document is then composed from the same tokens.
  const tokens = [...new Parser().parse(text)];
  const deepAt = cstDeeperThan(tokens, MAX_NESTING.yaml);
  if (deepAt !== undefined) return { problems: [tooDeep('yaml', file.span(deepAt, 1))] };
  const doc = composeDocument(tokens, text.length);
  // After a YAML syntax error the parser's later complaints are mostly echoes of it: report
  // the first one only (duplicate keys are independent and all reported).
  const syntax = doc.errors
    .filter((e) => e.code !== 'DUPLICATE_KEY')
    .sort((a, b) => a.pos[0] - b.pos[0])
    .slice(0, 1);
  const problems = [...doc.errors.filter((e) => e.code === 'DUPLICATE_KEY'), ...syntax].map((e) => {
    const code = e.code === 'DUPLICATE_KEY' ? 'yaml.duplicate-key' : 'yaml.syntax';
    const key = e.code === 'DUPLICATE_KEY' ? (/^[^:\n]*/.exec(text.slice(e.pos[0]))?.[0].trim() ?? '') : '';
    const message =
      (key && key.length <= 60 ? `'${key}' appears twice in the same mapping` : yamlMessage(e.code)) ??
      e.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
    const indent =
      e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY' ? indentMistake(text, e.pos[0]) : undefined;
    if (indent) return diagnostic('yaml.syntax', file.span(indent.start, indent.length), indent.message, indent.hint);
    return diagnostic(code, file.span(e.pos[0], e.pos[1] - e.pos[0]), message, yamlHint(e.code));
  });
  if (problems.length > 0) return { problems };
  // Aliases can nest what each part alone does not: checked on the tree, aliases expanded.
  const tree = treeOfDocument(doc);
  const deep = deeperThan(tree, MAX_NESTING.yaml);
  if (deep) return { problems: [tooDeep('yaml', file.span(deep.start, 1))] };
  const dangling = danglingAlias(doc, file);
  if (dangling) return { problems: [dangling] };
  try {
    return { js: doc.toJS({ maxAliasCount: LIMITS.maxAliasCount }), tree };
  } catch (e) {
    // The yaml package throws for alias bombs (too many alias expansions).
    return {
      problems: [
        diagnostic('yaml.syntax', file.span(0), `the file cannot be read: ${(e as Error).message}`, 'use fewer aliases (*name)'),
      ],
    };
  }
}

/** An alias (`*name`) with no anchor (`&name`) before it, reported where the alias is written. */
function danglingAlias(doc: Document, file: SourceFile): Diagnostic | undefined {
  const anchors: string[] = [];
  let found: Diagnostic | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      if (anchors.includes(node.source)) return undefined;
      const [start = 0, end = start] = node.range ?? [];
      const meant = didYouMean(node.source, anchors);
      const d = diagnostic(
        'yaml.syntax',
        file.span(start, end - start),
        `alias '*${node.source}' refers to no anchor: no '&${node.source}' is defined above it`,
        meant ?? (anchors.length ? `anchors defined above: ${anchors.map((a) => `&${a}`).join(', ')}` : 'define the anchor (&name) on the value to repeat, before the alias'),
      );
      const near = meant && /'(.*)'/.exec(meant)?.[1];
      const nameAt = file.span(start + 1, node.source.length);
      found = near ? { ...d, fixes: [{ title: `Change to '*${near}'`, range: nameAt, text: near }] } : d;
      return visit.BREAK;
    }
    if (isNode(node) && node.anchor) anchors.push(node.anchor);
    return undefined;
  });
  return found;
}

// resolveKnownTags off: YAML 1.1 tags such as !!binary, !!set, !!omap and !!timestamp would make
// Buffers, Sets, Maps and Dates, which no policy means; unresolved, they stay plain JSON values.
const YAML_OPTIONS = { merge: true, uniqueKeys: true, resolveKnownTags: false } as const;

/** What `yaml`'s parseDocument makes of the text, from its tokens: the first document, more than one an error. */
function composeDocument(tokens: CST.Token[], length: number): Document {
  let doc: Document | undefined;
  for (const next of new Composer(YAML_OPTIONS).compose(tokens, true, length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  // compose(…, true) always ends with a document.
  return doc!;
}

/** The yaml package's messages, in the words of someone editing a policy. */
function yamlMessage(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'this key appears twice in the same mapping';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return "a value here contains ': ', which YAML reads as the start of a nested mapping";
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a key must fit on one line: a colon is probably missing after it, or the line above is not finished';
    case 'TAB_AS_INDENT':
      return 'tabs cannot indent YAML';
    case 'MISSING_CHAR':
      return 'a closing bracket, brace or quote is missing';
    case 'MULTIPLE_DOCS':
      return 'a policy file holds one YAML document (remove the extra ---)';
    default:
      return undefined;
  }
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'remove or rename one of them';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'put the value in quotes';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'MULTILINE_IMPLICIT_KEY':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation, brackets and colons around here';
    case 'TAB_AS_INDENT':
      return 'indent with spaces';
    default:
      return undefined;
  }
}

// ---- schema errors in an admin's words -------------------------------------------------------

function decodePointer(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** JSON pointer segments as the YAML path (array indices as numbers). */
function toPath(segments: string[], js: unknown): Path {
  const path: (string | number)[] = [];
  let at: unknown = js;
  for (const s of segments) {
    const isIndex = Array.isArray(at);
    path.push(isIndex ? Number(s) : s);
    at = isIndex ? (at as unknown[])[Number(s)] : (at as Record<string, unknown> | undefined)?.[s];
  }
  return path;
}

const SECTION_WORDS: Record<string, string> = {
  facts: 'fact',
  derived: 'derived fact',
  calendars: 'calendar',
  sla: 'the SLA of tier',
  priceList: 'price list entry',
};
const LIST_WORDS: Record<string, string> = {
  eligibility: 'eligibility rule',
  rules: 'rule',
  plans: 'billing plan',
  entitlements: 'entitlement',
  actions: 'action',
  tests: 'test',
  open: 'open day',
  closed: 'closed day',
  levels: 'level',
  priorities: 'priority level',
};

/** "calendar 'office'", "priority rule 2", "the policy". */
export function describePath(path: Path, js: unknown): string {
  if (path.length === 0) return 'the policy';
  const parts: string[] = [];
  let at: unknown = js;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const parent = i > 0 ? path[i - 1] : undefined;
    const next = path[i + 1];
    if (typeof seg === 'number') {
      const item = (at as unknown[] | undefined)?.[seg] as Record<string, unknown> | undefined;
      const label = item && typeof item === 'object' ? (item.name ?? item.deny ?? item.id) : undefined;
      const noun = LIST_WORDS[String(parent)];
      if (noun) parts.push(typeof label === 'string' ? `${noun} '${label}'` : `${noun} ${seg + 1}`);
      else parts.push(`item ${seg + 1} of '${String(parent)}'`);
    } else if (parent !== undefined && typeof parent === 'string' && SECTION_WORDS[parent] && i === 1) {
      parts.push(`${SECTION_WORDS[parent]} '${seg}'`);
    } else if (typeof next === 'number') {
      // The list is named by its item ("rule 2", "item 2 of 'types'").
    } else if (!(i === 0 && SECTION_WORDS[seg] && next !== undefined)) {
      parts.push(`'${seg}'`);
    }
    at = (at as Record<string, unknown> | undefined)?.[seg as never];
  }
  return parts.reverse().join(' of ');
}

function describeValue(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `text '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

function valueAt(js: unknown, path: Path): unknown {
  let at = js;
  for (const seg of path) at = (at as Record<string, unknown> | undefined)?.[seg as never];
  return at;
}

function schemaDiagnostics(errors: ErrorObject[], at: NodeFinder, js: unknown): Diagnostic[] {
  // `if` only reports that its `then` failed; the `then` error says what is wrong.
  const relevant = errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  // A misspelt required field ('typ' for 'type') is one mistake: report the unknown field with
  // its "did you mean", not also the missing one.
  const misspelt = new Set(
    relevant.flatMap((e) => {
      if (e.keyword !== 'additionalProperties') return [];
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const near = didYouMean(extra, Object.keys((e.parentSchema as { properties?: object }).properties ?? {}));
      return near ? [`${e.instancePath}|${near.replace(/^did you mean '(.*)'\?$/, '$1')}`] : [];
    }),
  );
  // The same mistake in many items of one list ('values: [1, 2, 3]') is one message.
  const groupOf = (e: ErrorObject) =>
    /\/\d+$/.test(e.instancePath) ? `${e.keyword}|${e.schemaPath}|${e.instancePath.replace(/\/\d+$/, '')}` : undefined;
  const groupSize = new Map<string, number>();
  for (const e of relevant) {
    const g = groupOf(e);
    if (g) groupSize.set(g, (groupSize.get(g) ?? 0) + 1);
  }
  const groupsSeen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of relevant) {
    const group = groupOf(e);
    if (group) {
      if (groupsSeen.has(group)) continue;
      groupsSeen.add(group);
    }
    const before = out.length;
    schemaDiagnostic(e, at, js, misspelt, out);
    const more = group ? groupSize.get(group)! - 1 : 0;
    if (more > 0 && out.length > before) {
      const d = out[out.length - 1]!;
      d.message += ` (and ${more} more item${more === 1 ? '' : 's'} like it)`;
    }
  }
  return out;
}

function schemaDiagnostic(e: ErrorObject, at: NodeFinder, js: unknown, misspelt: Set<string>, out: Diagnostic[]): void {
  const segments = decodePointer(e.instancePath);
  const path = toPath(segments, js);
  const where = describePath(path, js);
  const described = (e.parentSchema as { description?: string } | undefined)?.description;
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    out.push(
      diagnostic(
        'schema.bad-value',
        at.span([...path, propertyName], true),
        `'${propertyName}' is not allowed as a name in ${where}`,
        described ? `use ${described}` : undefined,
      ),
    );
    return;
  }
  const value = valueAt(js, path);
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      if (misspelt.has(`${e.instancePath}|${missing}`)) return;
      const sub = (e.parentSchema as { properties?: Record<string, { description?: string }> }).properties?.[missing];
      // At the top of the file there is no key to point at: point at the first line.
      const span = path.length === 0 ? at.file.span(0, at.file.text.indexOf('\n') >>> 0) : at.span(path, true);
      out.push(
        diagnostic(
          'schema.missing',
          span,
          `${where} needs '${missing}'`,
          sub?.description ? `add '${missing}:' with ${sub.description}` : `add '${missing}:'`,
        ),
      );
      break;
    }
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      out.push(
        diagnostic(
          'schema.unknown-field',
          at.span([...path, extra], true),
          `unknown field '${extra}' in ${where}`,
          didYouMean(extra, known) ?? (known.length ? `known fields: ${known.join(', ')}` : undefined),
        ),
      );
      break;
    }
    case 'type':
      out.push(
        diagnostic(
          'schema.wrong-type',
          at.span(path),
          `${where} should be ${described ?? typeWords(e)}, not ${describeValue(value)}`,
        ),
      );
      break;
    case 'enum':
    case 'const': {
      const allowed = (
        e.keyword === 'enum'
          ? (e.params as { allowedValues: unknown[] }).allowedValues
          : [(e.params as { allowedValue: unknown }).allowedValue]
      ).map(String);
      out.push(
        diagnostic(
          'schema.bad-value',
          at.span(path),
          `${where} cannot be ${describeValue(value)}; allowed: ${allowed.join(', ')}`,
          typeof value === 'string' ? didYouMean(value, allowed) : undefined,
        ),
      );
      break;
    }
    case 'minItems':
    case 'minProperties':
    case 'minLength':
      out.push(diagnostic('schema.bad-value', at.span(path), `${where} is empty`, described ? `write ${described}` : undefined));
      break;
    case 'uniqueItems': {
      // ajv scans from the end: `i` is the earlier item, `j` the repeat.
      const { i, j } = e.params as { i: number; j: number };
      out.push(
        diagnostic(
          'schema.bad-value',
          at.span([...path, j]),
          `${where} lists ${describeValue((value as unknown[])[j])} twice (items ${i + 1} and ${j + 1})`,
          'remove the repeat',
        ),
      );
      break;
    }
    case 'pattern':
    case 'minimum':
    case 'maximum':
    case 'format':
      out.push(
        diagnostic(
          'schema.bad-value',
          at.span(path),
          `${where} cannot be ${describeValue(value)}`,
          described ? `write ${described}` : undefined,
        ),
      );
      break;
    default:
      out.push(diagnostic('schema.bad-value', at.span(path), `${where}: ${e.message ?? 'is not valid'}`));
  }
}

function typeWords(e: ErrorObject): string {
  const t = (e.params as { type: string | string[] }).type;
  const words: Record<string, string> = {
    string: 'text',
    object: 'a mapping',
    array: 'a list',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
  };
  return (Array.isArray(t) ? t : String(t).split(',')).map((x) => words[x] ?? x).join(' or ');
}
