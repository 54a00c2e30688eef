// `spe impact` streams: tickets piped through standard input (short: 20,000 lines; under
// `npm run reliability`: 5,000,000, about a gigabyte) are all counted, their changes and errors
// exactly as in one pass over the base tickets times the repetitions, with a peak memory no
// higher than a run over a tenth of them (plus slack for the garbage collector's timing).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figure, root, runs } from '../support/reliability.js';

const spe = join(root, 'bin', 'spe');
const tmp = mkdtempSync(join(tmpdir(), 'spe-impact-stream-'));

interface Summary {
  tickets: number;
  changed: number;
  byField: Record<string, number>;
  errors: number;
}

/** Runs `spe impact` on `lines` lines made by repeating `base`, piped through stdin; the summary and the peak RSS (kB, from /proc). */
async function streamed(args: string[], base: string, lines: number): Promise<{ summary: Summary; peakKb: number }> {
  const child = spawn(process.execPath, [spe, 'impact', ...args, '--tickets', '-'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  let peakKb = 0;
  const status = `/proc/${child.pid}/status`;
  const watch = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(status, 'utf8'))?.[1];
      if (hwm) peakKb = Math.max(peakKb, Number(hwm));
    } catch {
      // exited
    }
  }, 100);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const perBase = base.split('\n').filter(Boolean).length;
  const chunk = base.repeat(Math.max(1, Math.floor(20_000 / perBase)));
  const perChunk = perBase * Math.max(1, Math.floor(20_000 / perBase));
  for (let written = 0; written < lines;) {
    const whole = lines - written >= perChunk;
    const text = whole ? chunk : base.repeat((lines - written) / perBase);
    written += whole ? perChunk : lines - written;
    if (!child.stdin.write(text)) await new Promise<void>((resolve) => child.stdin.once('drain', () => resolve()));
  }
  child.stdin.end();
  const code = await exited;
  clearInterval(watch);
  expect(code, stderr).toBe(0);
  return { summary: JSON.parse(stdout) as Summary, peakKb };
}

describe('spe impact streams its tickets', () => {
  it('counts every ticket of a long stream, with memory as flat as over a tenth of it', async () => {
    const draft = join(tmp, 'zmanda-draft.yaml');
    writeFileSync(
      draft,
      readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8').replace(
        '    P2: { response: 3 hours }',
        '    P2: { response: 4 hours }',
      ),
    );
    const sample = spawnSync(process.execPath, [spe, 'sample', 'zmanda', '--tickets', '1999', '--year', '2026', '--seed', '5'], {
      cwd: root,
      encoding: 'utf8',
    });
    // 2,000 lines: 1,999 tickets and one that is not JSON.
    const base = `${sample.stdout}{"tier": standard}\n`;
    const baseFile = join(tmp, 'base.jsonl');
    writeFileSync(baseFile, base);
    const once = JSON.parse(
      spawnSync(process.execPath, [spe, 'impact', 'zmanda', '--to', draft, '--tickets', baseFile], {
        cwd: root,
        encoding: 'utf8',
      }).stdout,
    ) as Summary;
    expect(once.changed).toBeGreaterThan(0);
    expect(once.errors).toBe(1);

    const total = runs(20_000, 5_000_000);
    const reps = total / 2_000;
    const small = await streamed(['zmanda', '--to', draft], base, total / 10);
    const large = await streamed(['zmanda', '--to', draft], base, total);
    expect(large.summary).toEqual({
      tickets: total,
      changed: once.changed * reps,
      byField: Object.fromEntries(Object.entries(once.byField).map(([f, n]) => [f, n * reps])),
      billingDelta: {},
      errors: reps,
    });
    if (existsSync('/proc/self/status')) {
      expect(large.peakKb).toBeLessThan(small.peakKb * 1.5);
      figure('impact: tickets streamed', total);
      figure('impact: peak MB over all / over a tenth (x100)', Math.round((large.peakKb / small.peakKb) * 100));
    }
  });
});
