// Diagnostics of reading the file as YAML: syntax (in the words of someone editing a policy, not
// the yaml package's) and keys written twice.
import { type Diagnostic, type Span, diagnostic } from '../diagnostics.js';

/** An indentation mistake, found where it was made (dsl/yaml-indent.ts). */
export type IndentMistake =
  /** `key` sits at the indentation of `above:`, which opens a mapping, and the lines after it are deeper. */
  | { kind: 'outside-block'; key: string; above: string | undefined; indent: number }
  /** A line (its key, when it has one) deeper than `key` above, whose value is on its own line. */
  | { kind: 'deeper-than-value'; line: string | undefined; key: string; indent: number };

/** `yaml.syntax`: the file is not well-formed YAML, or cannot be read as one document. */
export type YamlSyntax = { span: Span } & (
  | { kind: 'too-large'; maxBytes: number }
  /** An error of the yaml package: its code, and its own message for the codes not worded here. */
  | { kind: 'parser'; yamlCode: string; yamlMessage: string }
  | { kind: 'indent'; mistake: IndentMistake }
  /** Aliases expanding past the bound (`reason` is the yaml package's). */
  | { kind: 'aliases'; reason: string }
  /** The file cannot be read at all (`reason`: the system's error code or message). */
  | { kind: 'unreadable'; reason: string }
  /** The yaml package's own words, where the file is only laid out (spe fmt), not checked. */
  | { kind: 'unformattable'; reason: string }
  /**
   * `*alias` with no `&alias` above it: `anchors` are those defined above, `near` the one it
   * probably means (its quick fix replaces the name, at `nameSpan`).
   */
  | { kind: 'dangling-alias'; alias: string; anchors: readonly string[]; near?: string; nameSpan: Span }
);

export function yamlSyntax(p: YamlSyntax): Diagnostic {
  const code = 'yaml.syntax';
  switch (p.kind) {
    case 'too-large':
      return diagnostic(code, p.span, `the file is larger than ${p.maxBytes / 1024 / 1024} MiB`);
    case 'parser':
      return diagnostic(
        code,
        p.span,
        YAML_WORDS[p.yamlCode] ?? p.yamlMessage.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, ''),
        YAML_HINTS[p.yamlCode],
      );
    case 'indent':
      return diagnostic(code, p.span, ...indentWords(p.mistake));
    case 'aliases':
      return diagnostic(code, p.span, `the file cannot be read: ${p.reason}`, 'use fewer aliases (*name)');
    case 'unreadable':
      return diagnostic(code, p.span, `cannot read the file: ${p.reason}`);
    case 'unformattable':
      return diagnostic(code, p.span, p.reason.split('\n')[0] ?? p.reason);
    case 'dangling-alias': {
      const d = diagnostic(
        code,
        p.span,
        `alias '*${p.alias}' refers to no anchor: no '&${p.alias}' is defined above it`,
        p.near !== undefined
          ? `did you mean '${p.near}'?`
          : p.anchors.length
            ? `anchors defined above: ${p.anchors.map((a) => `&${a}`).join(', ')}`
            : 'define the anchor (&name) on the value to repeat, before the alias',
      );
      return p.near === undefined ? d : { ...d, fixes: [{ title: `Change to '*${p.near}'`, range: p.nameSpan, text: p.near }] };
    }
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** `yaml.duplicate-key`: one mapping has the same key twice; `key` is its text when short enough to quote. */
export function duplicateKey(p: { span: Span; key: string }): Diagnostic {
  const message =
    p.key && p.key.length <= 60 ? `'${p.key}' appears twice in the same mapping` : 'this key appears twice in the same mapping';
  return diagnostic('yaml.duplicate-key', p.span, message, 'remove or rename one of them');
}

/** The yaml package's messages, in the words of someone editing a policy. */
const YAML_WORDS: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'this key appears twice in the same mapping',
  BLOCK_AS_IMPLICIT_KEY: "a value here contains ': ', which YAML reads as the start of a nested mapping",
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: a colon is probably missing after it, or the line above is not finished',
  TAB_AS_INDENT: 'tabs cannot indent YAML',
  MISSING_CHAR: 'a closing bracket, brace or quote is missing',
  MULTIPLE_DOCS: 'a policy file holds one YAML document (remove the extra ---)',
};

const AROUND = 'check the indentation, brackets and colons around here';
const YAML_HINTS: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'remove or rename one of them',
  BLOCK_AS_IMPLICIT_KEY: 'put the value in quotes',
  BAD_INDENT: AROUND,
  MISSING_CHAR: AROUND,
  MULTILINE_IMPLICIT_KEY: AROUND,
  UNEXPECTED_TOKEN: AROUND,
  TAB_AS_INDENT: 'indent with spaces',
};

const spaces = (n: number) => `${n} space${n === 1 ? '' : 's'}`;

function indentWords(m: IndentMistake): [string, string] {
  if (m.kind === 'outside-block')
    return [
      `'${m.key}' is indented like '${m.above ?? 'the line above'}:' above, so it is not inside it, and the lines after it are deeper than it`,
      `indent '${m.key}' by ${spaces(m.indent)}, like the lines after it`,
    ];
  return [
    `${m.line ? `'${m.line}'` : 'this line'} is indented deeper than '${m.key}' above, which has its value on its line: YAML reads it as more of that value`,
    `indent it by ${spaces(m.indent)}, like '${m.key}'`,
  ];
}
