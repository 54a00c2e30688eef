// spe eval, spe compile and spe test as a user runs them: real processes, real files.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { root, runSpe } from '../support/spe.js';

const spe = runSpe;
const tmp = mkdtempSync(join(tmpdir(), 'spe-engine-cli-'));
const standardP2 = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone' };

describe('spe eval', () => {
  it('prints the decision for facts in a file', () => {
    const file = join(tmp, 'facts.json');
    writeFileSync(file, JSON.stringify(standardP2));
    const r = spe(['eval', 'zmanda', '--facts', file]);
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ eligible: true, priority: 'P2', sla: { response: { target: 'PT3H', calendar: 'office' } } });
    expect(d.trace.length).toBeGreaterThan(0);
  });

  it('reads facts from standard input, and a policy by path', () => {
    const r = spe(['eval', 'policies/zmanda.yaml', '--facts', '-', '--no-trace', '--compact'], JSON.stringify(standardP2));
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout).trace).toEqual([]);
  });

  it('gives the same decision through json-rules-engine with --reference', () => {
    const fast = JSON.parse(spe(['eval', 'zmanda', '--facts', '-'], JSON.stringify(standardP2)).stdout);
    const reference = JSON.parse(spe(['eval', 'zmanda', '--facts', '-', '--reference'], JSON.stringify(standardP2)).stdout);
    expect(reference).toEqual(fast);
  });

  it('exits 1 with every problem of invalid facts', () => {
    const r = spe(['eval', 'zmanda', '--facts', '-'], JSON.stringify({ tier: 'gold', urgncy: 'high' }));
    expect(r.status).toBe(1);
    const { error } = JSON.parse(r.stdout);
    expect(error.code).toBe('invalid-facts');
    expect(error.details.map((p: { pointer: string }) => p.pointer).sort()).toEqual([
      '/channel',
      '/impact',
      '/tier',
      '/urgency',
      '/urgncy',
    ]);
  });

  it('exits 2 without a stack trace on bad input and bad usage', () => {
    for (const [args, input, words] of [
      [['eval', 'zmanda', '--facts', '-'], '{not json', 'not valid JSON'],
      [['eval', 'nope', '--facts', '-'], '{}', "no policy 'nope'"],
      [['eval', 'zmanda'], undefined, '--facts'],
      [['eval', 'zmanda', '--facts', join(tmp, 'missing.json')], undefined, 'ENOENT'],
      [['eval', 'zmanda', '--facts', '-', '--now', 'yesterday'], '{}', '--now'],
    ] as const) {
      const r = spe([...args], input);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(words);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('decides a batch of JSON lines in order, one line each, errors in place', () => {
    const lines = [
      JSON.stringify(standardP2),
      '',
      JSON.stringify({ tier: 'x' }),
      'garbage',
      JSON.stringify({ ...standardP2, tier: 'premium' }),
    ];
    const r = spe(['eval', 'zmanda', '--batch', '--facts', '-', '--no-trace'], `${lines.join('\n')}\n`);
    expect(r.status).toBe(1);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out.map((o) => o.priority ?? o.error.code)).toEqual(['P2', 'invalid-facts', 'invalid-json', 'P2']);
    expect(out[3].tier).toBe('premium');
    expect(r.stderr).toContain('2 of 5 lines');
  });
});

describe('spe compile', () => {
  it('prints rules that a plain json-rules-engine Engine runs', async () => {
    const r = spe(['compile', 'zmanda']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    const eligibility = json.stages.find((s: { name: string }) => s.name === 'eligibility');
    const engine = new Engine(eligibility.rules);
    const { events } = await engine.run({
      tier: 'community',
      trial: false,
      channel: 'phone',
      decision: { tier: 'community', priority: 'P1', channels: ['email'] },
    });
    expect(events.map((e) => e.params?.rule).sort()).toEqual(['eligibility.channel-not-offered', 'eligibility.community-phone']);
  });
});

describe('spe test', () => {
  const policy = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');

  it('passes the bundled policies and reports coverage', () => {
    const r = spe(['test']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rule coverage: \d+\/\d+/);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed$/m);
  });

  it('validates the example policies and passes their tests, every rule exercised', () => {
    const validated = spe(['validate', 'examples']);
    expect(validated.stderr + validated.stdout).not.toMatch(/error|warning/);
    expect(validated.status).toBe(0);
    const r = spe(['test', 'examples', '--min-coverage', '100']);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed$/m);
    expect(r.status).toBe(0);
  });

  it('shows expected and actual for a failing test and exits 1', () => {
    const file = join(tmp, 'failing.yaml');
    writeFileSync(
      file,
      policy.replace(
        'expect: { priority: P1, sla.response.target: PT15M }',
        'expect: { priority: P3, sla.response.target: PT15M }',
      ),
    );
    const r = spe(['test', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("✗ the customer's requested priority overrides the matrix");
    expect(r.stdout).toMatch(/priority:\n\s+expected "P3"\n\s+actual\s+"P1"/);
    expect(r.stdout).toMatch(/^\d+ passed, 1 failed$/m);
  });

  it('writes JUnit XML', () => {
    const out = join(tmp, 'junit.xml');
    const r = spe(['test', '--reporter', 'junit', '--output', out]);
    expect(r.status).toBe(0);
    const xml = readFileSync(out, 'utf8');
    expect(xml).toMatch(/^<\?xml/);
    expect(xml).toContain('<testsuite name="policies/zmanda.yaml"');
    expect((xml.match(/<testcase /g) ?? []).length).toBeGreaterThan(3);
  });

  it('fails below a required coverage', () => {
    const file = join(tmp, 'one-test.yaml');
    const oneTest =
      '  - name: one\n    facts: { tier: community, impact: high, urgency: high, channel: email }\n    expect: { eligible: true }\n';
    writeFileSync(file, `${policy.slice(0, policy.indexOf('tests:'))}tests:\n${oneTest}`);
    const r = spe(['test', file, '--min-coverage', '100']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^1 passed, 0 failed$/m);
    expect(r.stdout).toContain('required 100%');
    expect(spe(['test', file, '--min-coverage', '0']).status).toBe(0);
  });
});
