// The package as a library, as an application gets it: `npm pack`, the tarball installed into an
// empty project, a consumer file type-checked against the shipped declarations and run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
let app = '';
let tmp = '';

const CONSUMER = `
import { compile, evaluate, loadPolicy, runTests, validate, type Decision, type Diagnostic } from 'support-policy-engine';
import { ZMANDA } from './policy.js';

const loaded = await loadPolicy(ZMANDA, 'zmanda.yaml');
if (!loaded.ok) throw new Error(loaded.diagnostics.map((d: Diagnostic) => d.message).join('\\n'));
const result = evaluate(loaded.policy, { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone' });
const decision: Decision | null = result.ok ? result.decision : null;
const refused = evaluate(loaded.policy, { tier: 'gold', impact: 'medium', urgency: 'high', channel: 'phone' });
const typo = await validate(ZMANDA.replace('rows: urgency', 'rows: urgncy'), 'typo.yaml');
const rules = compile(loaded.policy);
console.log(JSON.stringify({
  policy: { id: loaded.policy.id, version: loaded.policy.version },
  eligible: decision?.eligible, priority: decision?.priority, channels: decision?.channels,
  response: decision?.sla?.response?.target,
  refused: refused.ok ? null : refused.problems.map((p) => p.pointer),
  typo: { ok: typo.ok, first: typo.diagnostics.map((d) => [d.code, d.span.line, d.span.column])[0] },
  stages: rules.stages.map((s) => s.name).slice(0, 3),
  tests: runTests(loaded.policy).every((t) => t.passed),
}));
`;

// Types that are real, not \`any\`: each line below must be a type error, or tsc fails on the unused directive.
const MISUSE = `
import { evaluate, loadPolicy } from 'support-policy-engine';
const loaded = await loadPolicy('policy: x');
if (loaded.ok) {
  const r = evaluate(loaded.policy, {});
  // @ts-expect-error a decision exists only when ok is true
  r.decision;
  if (r.ok) {
    // @ts-expect-error the priority is a string or null
    const n: number = r.decision.priority;
    void n;
  }
}
// @ts-expect-error evaluate takes a loaded policy, not its source
evaluate('policy: x', {});
`;

describe('the package as a library', () => {
  beforeAll(() => {
    // The tarball ships the build: make sure it and the type declarations are there.
    // bin/spe rebuilds dist/ when a source is newer (as it does before any command).
    execFileSync(process.execPath, [join(root, 'bin', 'spe'), '--version'], { cwd: root });
    if (!existsSync(join(root, 'dist', 'types', 'lib', 'index.d.ts'))) {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.lib.json'], {
        cwd: root,
      });
    }
    tmp = mkdtempSync(join(tmpdir(), 'spe-lib-'));
    const packed = JSON.parse(
      execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[];
    const tarball = join(tmp, packed[0]!.filename);
    const shipped = packed[0]!.files.map((f) => f.path);
    expect(shipped).toContain('dist/lib/index.js');
    expect(shipped).toContain('dist/types/lib/index.d.ts');
    expect(shipped.some((p) => p.startsWith('dsl/') || p.startsWith('test/'))).toBe(false);

    app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          types: [],
          skipLibCheck: false,
        },
        files: ['main.ts', 'policy.ts'],
      }),
    );
    writeFileSync(join(app, 'policy.ts'), `export const ZMANDA = ${JSON.stringify(zmanda)};\n`);
    writeFileSync(join(app, 'main.ts'), CONSUMER);
    // Dependencies come from npm's cache when they are there (filled by `npm ci`), else the registry.
    execFileSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], {
      cwd: app,
      stdio: 'pipe',
    });
  }, 300_000);

  // The installed project holds a copy of every dependency: not left behind.
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('type-checks a consumer against the shipped declarations', () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', '--noEmit'], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('rejects misuse at compile time: the types are not any', () => {
    writeFileSync(join(app, 'misuse.ts'), MISUSE);
    writeFileSync(join(app, 'tsconfig.misuse.json'), JSON.stringify({ extends: './tsconfig.json', files: ['misuse.ts'] }));
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.misuse.json', '--noEmit'],
      {
        cwd: app,
        encoding: 'utf8',
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('runs: loads, evaluates, refuses bad facts, reports a typo, compiles, runs the policy tests', () => {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: app });
    const run = spawnSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    // Zmanda's matrix: urgency high × impact medium is P2; standard support is phone and web
    // (the contract's "Standard: telefono e web"), the standard P2 response 3 business hours.
    expect(JSON.parse(run.stdout)).toEqual({
      policy: { id: 'zmanda', version: '2024.1' },
      eligible: true,
      priority: 'P2',
      channels: ['phone', 'web'],
      response: 'PT3H',
      refused: ['/tier'],
      typo: { ok: false, first: ['expr.unknown-fact', zmanda.split('\n').findIndex((l) => l.includes('rows: urgency')) + 1, 11] },
      stages: ['derived', 'tier', 'priority'],
      tests: true,
    });
  });

  it("runs the README's example as written", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Use it as a library[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(example!.trim().split('\n').length).toBeLessThanOrEqual(10);
    mkdirSync(join(app, 'policies'), { recursive: true });
    writeFileSync(join(app, 'policies', 'zmanda.yaml'), zmanda);
    writeFileSync(join(app, 'readme.mjs'), example!);
    const run = spawnSync(process.execPath, ['readme.mjs'], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('P2 PT3H\n');
  });
});
