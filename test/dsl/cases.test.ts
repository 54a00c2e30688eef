// Runs the diagnostic cases in test/dsl/cases/: every `*.fail.yaml` states the diagnostics it must
// produce in `# expect:` lines, and its `*.pass.yaml` twin (the same policy, fixed) must be clean.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, type DiagnosticCode, type HolidayCatalog, loadHolidayCatalog, loadPolicy } from '../../dsl/index.js';

const dir = join(import.meta.dirname, 'cases');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

interface Expected {
  line: number;
  column: number;
  severity: string;
  code: string;
  text?: string;
}

/** `# expect: 12:9 error expr.unknown-fact "did you mean 'urgency'"` */
function expectations(source: string): Expected[] {
  const out: Expected[] = [];
  for (const m of source.matchAll(/^# expect: (\d+):(\d+) (error|warning) (\S+)(?: "(.*)")?$/gm)) {
    out.push({ line: Number(m[1]), column: Number(m[2]), severity: m[3]!, code: m[4]!, ...(m[5] ? { text: m[5] } : {}) });
  }
  return out;
}

let holidays: HolidayCatalog;
beforeAll(async () => {
  holidays = await loadHolidayCatalog();
});

describe('diagnostic cases', () => {
  it('has a failing case and a passing twin for every diagnostic code', () => {
    const covered = new Set(
      files
        .filter((f) => f.endsWith('.fail.yaml'))
        .flatMap((f) => expectations(readFileSync(join(dir, f), 'utf8')).map((e) => e.code)),
    );
    const missing = (Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[]).filter((c) => !covered.has(c));
    expect(missing).toEqual([]);
    for (const f of files.filter((f) => f.endsWith('.fail.yaml'))) {
      expect(files, `${f} needs a passing twin`).toContain(f.replace('.fail.yaml', '.pass.yaml'));
    }
  });

  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    if (file.endsWith('.fail.yaml')) {
      it(`${file} reports exactly what it expects`, () => {
        const wanted = expectations(source);
        expect(wanted.length, `${file} has no '# expect:' lines`).toBeGreaterThan(0);
        const got = loadPolicy(source, file, { holidays }).diagnostics;
        const summary = got.map((d) => `${d.span.line}:${d.span.column} ${d.severity} ${d.code}: ${d.message}`);
        expect(got.length, summary.join('\n')).toBe(wanted.length);
        wanted.forEach((w, i) => {
          const d = got[i]!;
          expect(`${d.span.line}:${d.span.column} ${d.severity} ${d.code}`, summary.join('\n')).toBe(
            `${w.line}:${w.column} ${w.severity} ${w.code}`,
          );
          if (w.text) expect(`${d.message} ${d.hint ?? ''}`).toContain(w.text);
        });
      });
    } else if (file.endsWith('.pass.yaml')) {
      it(`${file} is clean`, () => {
        const got = loadPolicy(source, file, { holidays }).diagnostics;
        expect(got.map((d) => `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`)).toEqual([]);
      });
    }
  }
});
