// Shared by tests that call the expression parser directly: a file span for offsets in one line.
import type { Span } from '../../dsl/index.js';

export const locate = (start: number, end: number): Span => ({
  file: 'x',
  line: 1,
  column: start + 1,
  offset: start,
  length: end - start,
  endLine: 1,
  endColumn: end + 1,
});
