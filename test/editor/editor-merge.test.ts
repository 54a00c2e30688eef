// The editor's three-way merge, run here on Node (editor/src/merge.ts is plain TypeScript), on
// the Zmanda policy: a colleague's change and the admin's merge by themselves unless they touch
// the same lines; then the text holds the conflict between markers, resolved one by one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conflictsIn, merge3, resolved } from '../../editor/src/merge.js';

const base = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'zmanda.yaml'), 'utf8');
const lineOf = (text: string, part: string) => text.split('\n').findIndex((l) => l.includes(part)) + 1;

describe('the three-way merge of a draft with a save made meanwhile', () => {
  it('takes changes to different lines from both sides, and says which lines came from theirs', () => {
    const mine = base.replace(/^title: .*$/m, 'title: Zmanda support (mine)');
    const theirs = base.replace('P2: { response: 3 hours }', 'P2: { response: 2 hours }');
    const m = merge3(mine, base, theirs, 'abc by Ann');
    expect(m.conflicts).toBe(0);
    expect(m.text).toBe(mine.replace('P2: { response: 3 hours }', 'P2: { response: 2 hours }'));
    expect(m.theirLines).toEqual([lineOf(m.text, 'P2: { response: 2 hours }')]);
  });

  it('merges edits of neighbouring lines, each changed on one side only', () => {
    const lines = base.split('\n');
    const at = lineOf(base, 'P2: { response: 3 hours }') - 1;
    const mine = lines.map((l, i) => (i === at ? l.replace('3 hours', '4 hours') : l)).join('\n');
    const theirs = lines.map((l, i) => (i === at + 1 ? `${l} # checked` : l)).join('\n');
    const m = merge3(mine, base, theirs, 'abc');
    expect(m.conflicts).toBe(0);
    expect(m.text.split('\n')[at]).toContain('4 hours');
    expect(m.text.split('\n')[at + 1]).toBe(`${lines[at + 1]} # checked`);
  });

  it('marks the same line changed differently as a conflict, and resolves it as asked', () => {
    const mine = base.replace('P2: { response: 3 hours }', 'P2: { response: 4 hours }');
    const theirs = base.replace('P2: { response: 3 hours }', 'P2: { response: 2 hours }');
    const m = merge3(mine, base, theirs, 'abc by Ann');
    expect(m.conflicts).toBe(1);
    const lines = m.text.split('\n');
    const [c, ...more] = conflictsIn(lines);
    expect(more).toEqual([]);
    expect(lines[c!.start - 1]).toBe('<<<<<<< yours');
    expect(lines[c!.end - 1]).toBe('>>>>>>> theirs · abc by Ann');
    const mineLine = mine.split('\n')[lineOf(mine, '4 hours') - 1]!;
    const theirLine = theirs.split('\n')[lineOf(theirs, '2 hours') - 1]!;
    expect(resolved(lines, c!, 'mine')).toEqual([mineLine]);
    expect(resolved(lines, c!, 'theirs')).toEqual([theirLine]);
    expect(resolved(lines, c!, 'both')).toEqual([mineLine, theirLine]);
    // Taking theirs gives their text back exactly.
    const taken = [...lines.slice(0, c!.start - 1), theirLine, ...lines.slice(c!.end)].join('\n');
    expect(taken).toBe(theirs);
  });

  it('takes one change made alike on both sides once', () => {
    const both = base.replace('P2: { response: 3 hours }', 'P2: { response: 2 hours }');
    const m = merge3(both, base, both, 'abc');
    expect(m).toMatchObject({ conflicts: 0, text: both });
  });
});
