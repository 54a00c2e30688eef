// The GitHub Action (action.yml): its check step's script run as the runner runs it (bash, with
// the step's environment), on a folder of policies that passes and on one with a typo and a file
// out of the canonical layout.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default: string }>;
  runs: { using: string; steps: { name: string; run?: string; shell?: string; env?: Record<string, string> }[] };
};
const check = action.runs.steps.find((s) => s.name === 'Check policies')!;

function runCheck(dir: string, inputs: Record<string, string> = {}) {
  const value = (name: string) => inputs[name] ?? action.inputs[name]!.default;
  const env = {
    ...process.env,
    SPE: join(root, 'bin', 'spe'),
    SPE_PATHS: value('paths'),
    SPE_TEST: value('test'),
    SPE_FORMAT: value('format'),
  };
  return spawnSync('bash', ['-e', '-o', 'pipefail', '-c', check.run!], { cwd: dir, env, encoding: 'utf8' });
}

function policiesCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spe-action-'));
  const into = join(dir, 'policies');
  spawnSync('mkdir', [into]);
  for (const f of readdirSync(join(root, 'policies'))) copyFileSync(join(root, 'policies', f), join(into, f));
  return dir;
}

describe('action.yml', () => {
  it('is a composite action whose check step reads its inputs from the environment', () => {
    expect(action.runs.using).toBe('composite');
    expect(check.shell).toBe('bash');
    expect(Object.values(check.env ?? {}).join(' ')).toContain('${{ inputs.paths }}');
    // Inputs reach the script only through env, never pasted into it.
    expect(check.run).not.toContain('${{');
  });

  it('passes on policies that validate, pass their tests and are formatted', () => {
    const r = runCheck(policiesCopy());
    expect(r.stderr + r.stdout).not.toContain('::error');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('::group::spe test');
    expect(r.stdout).toContain('::group::spe fmt --check');
  });

  it('annotates a typo, names the file out of layout, and fails', () => {
    const dir = policiesCopy();
    const zmanda = join(dir, 'policies', 'zmanda.yaml');
    const text = readFileSync(zmanda, 'utf8');
    writeFileSync(zmanda, text.replace('rows: urgency', 'rows: urgncy'));
    const oto = join(dir, 'policies', 'oto.yaml');
    writeFileSync(oto, readFileSync(oto, 'utf8').replace('priorities: [P1, P2, P3]', 'priorities:\n  - P1\n  - P2\n  - P3'));
    const r = runCheck(dir);
    expect(r.status).toBe(1);
    const line = text.split('\n').findIndex((l) => l.includes('rows: urgency')) + 1;
    expect(r.stdout).toContain(`::error file=policies/zmanda.yaml,line=${line},col=11,`);
    expect(r.stdout).toContain('title=expr.unknown-fact::');
    expect(r.stdout).toContain('policies/oto.yaml\n');
    expect(r.stdout).toContain('::error title=spe fmt::');
  });

  it('skips the tests and the layout check when told to', () => {
    const dir = policiesCopy();
    const oto = join(dir, 'policies', 'oto.yaml');
    writeFileSync(oto, readFileSync(oto, 'utf8').replace('priorities: [P1, P2, P3]', 'priorities:\n  - P1\n  - P2\n  - P3'));
    const r = runCheck(dir, { test: 'false', format: 'false' });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('::group::spe test');
  });
});
