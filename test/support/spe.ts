// `spe` as a user runs it: the real command, from the repository's root, its output as text.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');

/** The command itself (it rebuilds its bundle first when a source is newer). */
export const SPE = join(root, 'bin', 'spe');

/** Runs `spe ARGS` to its end, with `input` on its standard input. */
export function runSpe(args: string[], input?: string) {
  return spawnSync(process.execPath, [SPE, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    ...(input !== undefined ? { input } : {}),
  });
}

/** A file of JSON lines, each parsed. */
export const jsonLines = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);
