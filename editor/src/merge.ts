// The three-way merge of a draft with a revision saved meanwhile, against the revision both
// started from (the draft's base): lines changed on one side only are taken from that side; lines
// changed on both sides differently become a conflict, written into the text between markers so
// the admin resolves it where it is, one by one. Plain TypeScript (no monaco): it runs on Node too.
import { diff3MergeRegions } from 'node-diff3';

export const MINE_MARK = '<<<<<<< yours';
export const SPLIT_MARK = '=======';
export const THEIRS_MARK = '>>>>>>> theirs';

export interface Merged {
  text: string;
  /** How many conflicts the text holds. */
  conflicts: number;
  /** The 1-based lines of `text` that came from their changes (merged by themselves). */
  theirLines: number[];
  /** Their changed lines (outside conflicts) as they read, to name what an overwrite would drop. */
  theirChanges: { line: number; text: string }[];
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Merges `mine` and `theirs`, both edited from `base`; `label` names their revision in the markers. */
export function merge3(mine: string, base: string, theirs: string, label: string): Merged {
  const out: string[] = [];
  const theirLines: number[] = [];
  const theirChanges: { line: number; text: string }[] = [];
  let conflicts = 0;
  const fromTheirs = (lines: readonly string[]) => {
    for (const l of lines) {
      out.push(l);
      theirLines.push(out.length);
      theirChanges.push({ line: out.length, text: l });
    }
  };
  for (const r of diff3MergeRegions(mine.split('\n'), base.split('\n'), theirs.split('\n'))) {
    if (r.stable) {
      if (r.buffer === 'b') fromTheirs(r.bufferContent);
      else out.push(...r.bufferContent);
      continue;
    }
    const { aContent: a, oContent: o, bContent: b } = r;
    if (same(a, b)) {
      // Both made the same change.
      out.push(...a);
      continue;
    }
    if (a.length === o.length && b.length === o.length && o.every((x, i) => a[i] === x || b[i] === x)) {
      // Neighbouring lines, each changed on one side only (diff3 groups adjacent changes): line by line.
      o.forEach((x, i) => (b[i] !== x ? fromTheirs([b[i]!]) : out.push(a[i]!)));
      continue;
    }
    conflicts++;
    out.push(MINE_MARK, ...a, SPLIT_MARK);
    fromTheirs(b);
    out.push(`${THEIRS_MARK} · ${label}`);
  }
  return { text: out.join('\n'), conflicts, theirLines, theirChanges };
}

/** A conflict in the text: the 1-based lines of its three markers. */
export interface Conflict {
  start: number;
  split: number;
  end: number;
}

/** The conflicts the text holds, in order; a marker out of order is left as text. */
export function conflictsIn(lines: readonly string[]): Conflict[] {
  const found: Conflict[] = [];
  let start = 0;
  let split = 0;
  lines.forEach((l, i) => {
    const n = i + 1;
    if (l === MINE_MARK) [start, split] = [n, 0];
    else if (l === SPLIT_MARK && start) split = n;
    else if (l.startsWith(THEIRS_MARK) && start && split) {
      found.push({ start, split, end: n });
      start = split = 0;
    }
  });
  return found;
}

export type Resolution = 'theirs' | 'mine' | 'both';

/** The lines that replace a conflict's lines (from its first marker to its last) when resolved. */
export function resolved(lines: readonly string[], c: Conflict, take: Resolution): string[] {
  const mine = lines.slice(c.start, c.split - 1);
  const theirs = lines.slice(c.split, c.end - 1);
  return take === 'mine' ? mine : take === 'theirs' ? theirs : [...mine, ...theirs];
}
