// A policy file's text and the arithmetic from character offsets to `line:column` spans,
// including offsets inside YAML scalars, so errors in an expression point at its exact column.
import type { Span } from './diagnostics.js';
import type { YamlNode } from './yaml-tree.js';

export class SourceFile {
  readonly lineStarts: number[];
  /** The line of the last position asked for: a policy's spans come in runs on nearby lines. */
  private lastLine = 0;

  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    this.lineStarts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  /** The span at a 0-based offset, clamped into the file so a position never points outside it. */
  span(offset: number, length = 0): Span {
    const at = Math.max(0, Math.min(Math.floor(offset), this.text.length));
    const len = Math.max(0, Math.min(Math.floor(length), this.text.length - at));
    const line = this.lineIndex(at);
    const endLine = len === 0 ? line : this.lineIndex(at + len);
    return {
      file: this.name,
      line: line + 1,
      column: at - this.lineStarts[line]! + 1,
      offset: at,
      length: len,
      endLine: endLine + 1,
      endColumn: at + len - this.lineStarts[endLine]! + 1,
    };
  }

  /** 1-based line and column of an offset. */
  position(at: number): { line: number; column: number } {
    const line = this.lineIndex(at);
    return { line: line + 1, column: at - this.lineStarts[line]! + 1 };
  }

  /** The 0-based line holding offset `at`: the last line asked for or the next one, else a binary search. */
  private lineIndex(at: number): number {
    const starts = this.lineStarts;
    for (let line = this.lastLine; line <= this.lastLine + 1 && line < starts.length; line++) {
      if (starts[line]! <= at && (line + 1 === starts.length || at < starts[line + 1]!)) return (this.lastLine = line);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return (this.lastLine = lo);
  }
}

/**
 * Maps each character index of a scalar's parsed value to its offset in the file.
 * Plain and quoted scalars without escapes map one to one; folded lines, indentation and
 * escapes are skipped by aligning the value against the raw source greedily.
 */
export function scalarOffsets(text: string, node: YamlNode): (index: number) => number {
  const value = node.text ?? '';
  let start = node.start;
  const end = node.end;
  switch (node.style) {
    case 'QUOTE_DOUBLE':
    case 'QUOTE_SINGLE':
      start += 1;
      break;
    case 'BLOCK_FOLDED':
    case 'BLOCK_LITERAL': {
      const nl = text.indexOf('\n', start);
      start = nl < 0 || nl >= end ? end : nl + 1;
      break;
    }
    default:
      break;
  }
  const raw = text.slice(start, end);
  if (raw.startsWith(value)) return (i) => start + Math.min(Math.max(i, 0), value.length);
  const map: number[] = new Array(value.length + 1);
  let j = 0;
  for (let i = 0; i < value.length; i++) {
    let k = j;
    while (k < raw.length && raw[k] !== value[i] && k - j < 8) k++;
    if (k < raw.length && raw[k] === value[i]) {
      map[i] = start + k;
      j = k + 1;
    } else {
      // An escape such as `\n` stands for this character: keep the position and move on.
      map[i] = start + Math.min(j, raw.length);
    }
  }
  map[value.length] = start + Math.min(j, raw.length);
  return (i) => map[Math.min(Math.max(i, 0), value.length)]!;
}
