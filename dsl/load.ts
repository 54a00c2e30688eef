// Loads a policy file: YAML with source positions → schema check (ajv, errors mapped back to the
// YAML node and put in a contract admin's words) → policy model → semantic checks.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Composer, type Document, Parser, YAMLParseError, isAlias, isNode, visit } from 'yaml';
import type { CST } from 'yaml';
import { type CheckOptions, checkPolicy } from './checks/index.js';
import { type Diagnostic, MAX_NESTING, didYouMean, formatSpan, hasErrors } from './diagnostics.js';
import type { Policy } from './model.js';
import { isRealDate } from './datetime.js';
import {
  duplicateKey,
  finishDiagnostics,
  nearest,
  schemaBadValue,
  schemaMissing,
  unknownField,
  wrongType,
  yamlSyntax,
  yamlTooDeep,
} from './problems/index.js';
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
    return fail([yamlSyntax({ kind: 'too-large', span: file.span(0), maxBytes: LIMITS.maxBytes })]);
  }
  const read = readYaml(text, file);
  if ('problems' in read) return fail(read.problems);
  const { js, tree } = read;
  if (js === null || js === undefined || typeof js !== 'object' || Array.isArray(js)) {
    return fail([wrongType({ kind: 'not-a-mapping', span: file.span(0) })]);
  }

  const at = new NodeFinder(file, tree);
  const validate = schemaValidator();
  if (!validate(js)) return fail(schemaDiagnostics(validate.errors ?? [], at, js));

  const diagnostics: Diagnostic[] = [];
  const effective = (js as { effective: string }).effective;
  if (!isRealDate(effective))
    diagnostics.push(
      schemaBadValue({ kind: 'not-a-date', span: at.span(['effective']), field: 'effective', value: effective }),
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
  if (deepAt !== undefined) return { problems: [yamlTooDeep({ span: file.span(deepAt, 1) })] };
  const doc = composeDocument(tokens, text.length);
  // After a YAML syntax error the parser's later complaints are mostly echoes of it: report
  // the first one only (duplicate keys are independent and all reported).
  const syntax = doc.errors
    .filter((e) => e.code !== 'DUPLICATE_KEY')
    .sort((a, b) => a.pos[0] - b.pos[0])
    .slice(0, 1);
  const problems = [...doc.errors.filter((e) => e.code === 'DUPLICATE_KEY'), ...syntax].map((e) => {
    const span = file.span(e.pos[0], e.pos[1] - e.pos[0]);
    if (e.code === 'DUPLICATE_KEY') return duplicateKey({ span, key: /^[^:\n]*/.exec(text.slice(e.pos[0]))?.[0].trim() ?? '' });
    const indent =
      e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY' ? indentMistake(text, e.pos[0]) : undefined;
    if (indent) return yamlSyntax({ kind: 'indent', span: file.span(indent.start, indent.length), mistake: indent.mistake });
    return yamlSyntax({ kind: 'parser', span, yamlCode: e.code, yamlMessage: e.message });
  });
  if (problems.length > 0) return { problems };
  // Aliases can nest what each part alone does not: checked on the tree, aliases expanded.
  const tree = treeOfDocument(doc);
  const deep = deeperThan(tree, MAX_NESTING.yaml);
  if (deep) return { problems: [yamlTooDeep({ span: file.span(deep.start, 1) })] };
  const dangling = danglingAlias(doc, file);
  if (dangling) return { problems: [dangling] };
  try {
    return { js: doc.toJS({ maxAliasCount: LIMITS.maxAliasCount }), tree };
  } catch (e) {
    // The yaml package throws for alias bombs (too many alias expansions).
    return {
      problems: [yamlSyntax({ kind: 'aliases', span: file.span(0), reason: (e as Error).message })],
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
      found = yamlSyntax({
        kind: 'dangling-alias',
        span: file.span(start, end - start),
        alias: node.source,
        anchors: [...anchors],
        ...nearest(node.source, anchors),
        nameSpan: file.span(start + 1, node.source.length),
      });
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
    const d = schemaDiagnostic(e, at, js, misspelt, group ? groupSize.get(group)! - 1 : 0);
    if (d) out.push(d);
  }
  return out;
}

function schemaDiagnostic(e: ErrorObject, at: NodeFinder, js: unknown, misspelt: Set<string>, more: number): Diagnostic | undefined {
  const segments = decodePointer(e.instancePath);
  const path = toPath(segments, js);
  const where = describePath(path, js);
  const here = { span: at.span(path), where, ...(more > 0 ? { more } : {}) };
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  const described = description === undefined ? {} : { description };
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    const span = at.span([...path, propertyName], true);
    return schemaBadValue({ ...here, kind: 'name', span, name: propertyName, ...described });
  }
  const value = valueAt(js, path);
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      if (misspelt.has(`${e.instancePath}|${missing}`)) return undefined;
      const sub = (e.parentSchema as { properties?: Record<string, { description?: string }> }).properties?.[missing];
      // At the top of the file there is no key to point at: point at the first line.
      const span = path.length === 0 ? at.file.span(0, at.file.text.indexOf('\n') >>> 0) : at.span(path, true);
      return schemaMissing({ ...here, span, field: missing, ...(sub?.description ? { description: sub.description } : {}) });
    }
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return unknownField({ ...here, span: at.span([...path, extra], true), field: extra, known });
    }
    case 'type':
      return wrongType({ ...here, kind: 'field', value, types: (e.params as { type: string | string[] }).type, ...described });
    case 'enum':
    case 'const': {
      const allowed = (
        e.keyword === 'enum'
          ? (e.params as { allowedValues: unknown[] }).allowedValues
          : [(e.params as { allowedValue: unknown }).allowedValue]
      ).map(String);
      return schemaBadValue({ ...here, kind: 'not-allowed', value, allowed });
    }
    case 'minItems':
    case 'minProperties':
    case 'minLength':
      return schemaBadValue({ ...here, kind: 'empty', ...described });
    case 'uniqueItems': {
      // ajv scans from the end: `i` is the earlier item, `j` the repeat.
      const { i, j } = e.params as { i: number; j: number };
      const span = at.span([...path, j]);
      return schemaBadValue({ ...here, kind: 'repeated', span, value: (value as unknown[])[j], first: i + 1, second: j + 1 });
    }
    case 'pattern':
    case 'minimum':
    case 'maximum':
    case 'format':
      return schemaBadValue({ ...here, kind: 'invalid', value, ...described });
    default:
      return schemaBadValue({ ...here, kind: 'other', ...(e.message === undefined ? {} : { reason: e.message }) });
  }
}
