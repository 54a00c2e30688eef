// Diagnostics of the schema check (ajv's errors, mapped back to the YAML node): a field missing,
// unknown, of the wrong kind, or holding a value it may not. `where` names the place in an admin's
// words ("calendar 'office'"); `more` counts the other items of the same list with the same mistake.
import { type Diagnostic, type Span, diagnostic, didYouMean } from '../diagnostics.js';

interface At {
  span: Span;
  /** "calendar 'office'", "priority rule 2", "the policy". */
  where: string;
  /** How many more items of one list share this mistake, told as one message. */
  more?: number;
}

const andMore = (p: { more?: number }) => (p.more ? ` (and ${p.more} more item${p.more === 1 ? '' : 's'} like it)` : '');

/** `schema.missing`: `where` lacks the required `field`, described in the schema as `description`. */
export function schemaMissing(p: At & { field: string; description?: string }): Diagnostic {
  return diagnostic(
    'schema.missing',
    p.span,
    `${p.where} needs '${p.field}'${andMore(p)}`,
    p.description ? `add '${p.field}:' with ${p.description}` : `add '${p.field}:'`,
  );
}

/** `schema.unknown-field`: `field` is none of the `known` fields of `where`. */
export function unknownField(p: At & { field: string; known: readonly string[] }): Diagnostic {
  return diagnostic(
    'schema.unknown-field',
    p.span,
    `unknown field '${p.field}' in ${p.where}${andMore(p)}`,
    didYouMean(p.field, p.known) ?? (p.known.length ? `known fields: ${p.known.join(', ')}` : undefined),
  );
}

/** `schema.wrong-type` */
export type WrongType =
  /** The file is no mapping of fields. */
  | { kind: 'not-a-mapping'; span: Span }
  /** `value` is not of the JSON `types` the schema allows (or what its `description` says). */
  | (At & { kind: 'field'; value: unknown; types: string | readonly string[]; description?: string });

export function wrongType(p: WrongType): Diagnostic {
  if (p.kind === 'not-a-mapping')
    return diagnostic(
      'schema.wrong-type',
      p.span,
      'a policy file must be a mapping of fields such as policy, title, facts',
      "start with 'policy: my-policy'",
    );
  return diagnostic(
    'schema.wrong-type',
    p.span,
    `${p.where} should be ${p.description ?? typeWords(p.types)}, not ${describeValue(p.value)}${andMore(p)}`,
  );
}

/** `schema.bad-value` */
export type SchemaBadValue =
  /** `effective` is written as a date but is none (2026-02-30). */
  | { kind: 'not-a-date'; span: Span; field: string; value: string }
  | (At &
      (
        | /** A mapping key the schema's name pattern refuses. */ { kind: 'name'; name: string; description?: string }
        | /** A value outside an enum (or a const). */ { kind: 'not-allowed'; value: unknown; allowed: readonly string[] }
        | /** An empty list, mapping or text. */ {
            kind: 'empty';
            description?: string;
          } /** The same item twice in a list of unique items (1-based positions). */
        | { kind: 'repeated'; value: unknown; first: number; second: number }
        | /** A pattern, bound or format not met. */ { kind: 'invalid'; value: unknown; description?: string }
        | /** Any other schema keyword, in ajv's words. */ { kind: 'other'; reason?: string }
      ));

export function schemaBadValue(p: SchemaBadValue): Diagnostic {
  const code = 'schema.bad-value';
  if (p.kind === 'not-a-date') return diagnostic(code, p.span, `'${p.field}' is ${p.value}, which is not a date on the calendar`);
  const write = (d: string | undefined, verb: string) => (d ? `${verb} ${d}` : undefined);
  switch (p.kind) {
    case 'name':
      return diagnostic(
        code,
        p.span,
        `'${p.name}' is not allowed as a name in ${p.where}${andMore(p)}`,
        write(p.description, 'use'),
      );
    case 'not-allowed':
      return diagnostic(
        code,
        p.span,
        `${p.where} cannot be ${describeValue(p.value)}; allowed: ${p.allowed.join(', ')}${andMore(p)}`,
        typeof p.value === 'string' ? didYouMean(p.value, p.allowed) : undefined,
      );
    case 'empty':
      return diagnostic(code, p.span, `${p.where} is empty${andMore(p)}`, write(p.description, 'write'));
    case 'repeated':
      return diagnostic(
        code,
        p.span,
        `${p.where} lists ${describeValue(p.value)} twice (items ${p.first} and ${p.second})${andMore(p)}`,
        'remove the repeat',
      );
    case 'invalid':
      return diagnostic(
        code,
        p.span,
        `${p.where} cannot be ${describeValue(p.value)}${andMore(p)}`,
        write(p.description, 'write'),
      );
    case 'other':
      return diagnostic(code, p.span, `${p.where}: ${p.reason ?? 'is not valid'}${andMore(p)}`);
    default: {
      const never: never = p;
      return never;
    }
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `text '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

const TYPE_WORDS: Partial<Record<string, string>> = {
  string: 'text',
  object: 'a mapping',
  array: 'a list',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
};

function typeWords(types: string | readonly string[]): string {
  return (typeof types === 'string' ? types.split(',') : types).map((x) => TYPE_WORDS[x] ?? x).join(' or ');
}
