// A policy file's text and the arithmetic from character offsets to `line:column` spans,
// including offsets inside YAML scalars, so errors in an expression point at its exact column.
import type { Scalar } from 'yaml';
import type { Span } from './diagnostics.js';

export class SourceFile {
  readonly lineStarts: number[];

  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** The span at a 0-based offset, clamped into the file so a position never points outside it. */
  span(offset: number, length = 0): Span {
    const at = Math.max(0, Math.min(Math.floor(offset), this.text.length));
    const len = Math.max(0, Math.min(Math.floor(length), this.text.length - at));
    const start = this.position(at);
    const end = len === 0 ? start : this.position(at + len);
    return {
      file: this.name,
      line: start.line,
      column: start.column,
      offset: at,
      length: len,
      endLine: end.line,
      endColumn: end.column,
    };
  }

  /** 1-based line and column of an offset. */
  position(at: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - this.lineStarts[lo]! + 1 };
  }
}

/**
 * Maps each character index of a scalar's parsed value to its offset in the file.
 * Plain and quoted scalars without escapes map one to one; folded lines, indentation and
 * escapes are skipped by aligning the value against the raw source greedily.
 */
export function scalarOffsets(text: string, node: Scalar): (index: number) => number {
  const range = node.range;
  const value = String(node.source ?? node.value);
  if (!range) return () => 0;
  let start = range[0];
  const end = range[1];
  switch (node.type) {
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
