// An indentation mistake, found where it was made. `yaml` reports a line indented one level too
// deep under a `key: value` line (or a key dedented out of the mapping it belongs to, which leaves
// the lines after it too deep) at the value on the line before, as a value holding ': '; the
// admin's mistake is the indentation of one line, and that line is the one to point at.

import type { IndentMistake } from './problems/index.js';

export interface FoundIndentMistake {
  /** Offset and length in the text of the mistaken line's key (or text). */
  start: number;
  length: number;
  mistake: IndentMistake;
}

interface Line {
  start: number;
  text: string;
  indent: number;
}

const significant = (l: Line | undefined) => l !== undefined && l.text.trim() !== '' && !l.text.trim().startsWith('#');
const keyOf = (l: Line) => /^\s*(?:-\s+)?([^:#\s][^:#]*?):(?:\s|$)/.exec(l.text)?.[1];
/** `key: value` with the value on the line (not a comment, not the start of a block scalar). */
const hasInlineValue = (l: Line) => /^\s*(?:-\s+)?[^:#\s][^:#]*?:\s+[^#\s|>]/.test(l.text);
const opensBlock = (l: Line) => /^\s*(?:-\s+)?[^:#\s][^:#]*?:\s*(#.*)?$/.test(l.text);

/**
 * The mistaken line behind a `yaml` error at `offset` (BLOCK_AS_IMPLICIT_KEY or
 * MULTILINE_IMPLICIT_KEY), when the error is an indentation mistake.
 */
export function indentMistake(text: string, offset: number): FoundIndentMistake | undefined {
  const lines: Line[] = [];
  for (let start = 0; start <= text.length;) {
    const end = text.indexOf('\n', start);
    const t = text.slice(start, end < 0 ? text.length : end);
    lines.push({ start, text: t, indent: /^ */.exec(t)![0].length });
    if (end < 0) break;
    start = end + 1;
  }
  let at = lines.length - 1;
  while (at > 0 && lines[at]!.start > offset) at--;
  const line = lines[at];
  if (!line || !hasInlineValue(line)) return undefined;
  let n = at + 1;
  while (n < lines.length && !significant(lines[n])) n++;
  const next = lines[n];
  if (!next || next.indent <= line.indent) return undefined;
  let p = at - 1;
  while (p >= 0 && !significant(lines[p])) p--;
  const prev = lines[p];
  const key = keyOf(line) ?? 'the key';
  // `prev:` opens a mapping, this line sits at prev's own indentation and the lines after it are
  // deeper: this line was meant to be inside that mapping.
  if (prev && opensBlock(prev) && prev.indent === line.indent) {
    return {
      start: line.start + line.indent,
      length: key.length || 1,
      mistake: { kind: 'outside-block', key, above: keyOf(prev), indent: next.indent },
    };
  }
  const nextKey = keyOf(next);
  return {
    start: next.start + next.indent,
    length: (nextKey ?? next.text.trim()).length || 1,
    mistake: { kind: 'deeper-than-value', line: nextKey, key, indent: line.indent },
  };
}
