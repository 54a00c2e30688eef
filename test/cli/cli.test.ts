// The CLI as a user runs it: a real process, real files, exit codes and output formats.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runSpe } from '../support/spe.js';
import { DIAGNOSTIC_CODES } from '../../dsl/index.js';
import { VERSION } from '../../version.js';

const spe = (...args: string[]) => runSpe(args);

const tmp = mkdtempSync(join(tmpdir(), 'spe-cli-'));
const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const broken = join(tmp, 'broken.yaml');
writeFileSync(broken, zmanda.replace('rows: urgency', 'rows: urgncy').replace('policy: zmanda', 'policy: broken'));
const brokenLine = zmanda.split('\n').findIndex((l) => l.includes('rows: urgency')) + 1;

describe('spe', () => {
  it('prints help and exits 0', () => {
    const r = spe('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: spe <command>');
    expect(r.stdout).toContain('validate');
  });

  it('exits 2 with usage when given no command', () => {
    expect(spe().status).toBe(2);
  });

  it('suggests the command meant', () => {
    const r = spe('validat');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("did you mean 'validate'");
  });

  it('prints the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(spe('--version').stdout.trim()).toBe(pkg.version);
  });

  it('prints the schema as JSON', () => {
    const r = spe('schema');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).$schema).toContain('json-schema.org');
  });

  it('lists every diagnostic code', () => {
    const r = spe('codes');
    for (const code of Object.keys(DIAGNOSTIC_CODES)) expect(r.stdout).toContain(code);
  });
});

describe('spe validate', () => {
  it('finds the bundled policies clean by default', () => {
    const r = spe('validate');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/policy files? checked: no problems/);
  });

  it('reports file:line:col: error CODE: message and exits 1', () => {
    const r = spe('validate', '--brief', broken);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `${broken}:${brokenLine}:11: error expr.unknown-fact: unknown fact 'urgncy' — did you mean 'urgency'?`,
    );
  });

  it('shows the source line with a caret under the mistake', () => {
    const r = spe('validate', broken);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('expr.unknown-fact'));
    expect(lines[at + 1]).toMatch(/\|\s+rows: urgncy$/);
    expect(lines[at + 2]).toMatch(/\|\s{11}\^{6}$/);
  });

  it('writes JSON with --format json', () => {
    const r = spe('validate', '--format', 'json', broken, join(root, 'policies'));
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.errors).toBe(1);
    expect(out.files).toHaveLength(1 + readdirSync(join(root, 'policies')).filter((f) => f.endsWith('.yaml')).length);
    expect(out.files[0].diagnostics[0]).toMatchObject({
      line: brokenLine,
      column: 11,
      endColumn: 17,
      code: 'expr.unknown-fact',
      severity: 'error',
    });
  });

  it('writes workflow annotations with --format github', () => {
    const r = spe('validate', '--format', 'github', broken);
    expect(r.status).toBe(1);
    expect(r.stdout.trim()).toBe(
      `::error file=${broken},line=${brokenLine},col=11,endLine=${brokenLine},endColumn=17,title=expr.unknown-fact::unknown fact 'urgncy' — did you mean 'urgency'?`,
    );
  });

  it('reports two files with one policy id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spe-dup-'));
    writeFileSync(join(dir, 'a.yaml'), zmanda);
    writeFileSync(join(dir, 'b.yaml'), zmanda);
    const r = spe('validate', '--brief', dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `${join(dir, 'b.yaml')}:3:9: error policy.duplicate-id: policy id 'zmanda' is already used by ${join(dir, 'a.yaml')}`,
    );
  });

  it('exits 2 on a path that does not exist', () => {
    const r = spe('validate', join(tmp, 'nope.yaml'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('does not exist');
  });

  it('exits 2 on an unknown format or option', () => {
    expect(spe('validate', '--format', 'xml').status).toBe(2);
    expect(spe('validate', '--frmat', 'json').status).toBe(2);
  });

  it('exits 2 on a folder without policies', () => {
    const empty = mkdtempSync(join(tmpdir(), 'spe-empty-'));
    expect(spe('validate', empty).status).toBe(2);
  });
});

describe('spe serve', () => {
  it('serves the bundled policies on a port and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(root, 'bin', 'spe'), 'serve', '--port', '0'], { cwd: root });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stderr.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
          if (m) resolve(m[0]);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
        setTimeout(() => reject(new Error('no address printed')), 20_000);
      });
      const list = (await (await fetch(`${url}v1/policies`)).json()) as { policies: { id: string; valid: boolean }[] };
      expect(list.policies.map((p) => p.id)).toContain('logbot');
      expect(list.policies).toContainEqual(expect.objectContaining({ id: 'zmanda', valid: true }));
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  });
});

describe('spe serve --workers', () => {
  it('runs several processes behind one port and replaces one that crashes', async () => {
    const { createServer } = await import('node:net');
    const { execFileSync } = await import('node:child_process');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, [join(root, 'bin', 'spe'), 'serve', '--port', String(port), '--workers', '2'], {
      cwd: root,
      env: { ...process.env, SPE_ADMIN_TOKEN: 'workers-test-token' },
    });
    const workers = () => {
      try {
        return execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .filter(Boolean);
      } catch {
        return [];
      }
    };
    const until = async (check: () => Promise<boolean> | boolean) => {
      for (let i = 0; i < 200; i++) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('timed out');
    };
    const healthy = async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status === 200;
    try {
      await until(() => workers().length === 2);
      await until(healthy);
      const [first] = workers();
      process.kill(Number(first), 'SIGKILL');
      await until(() => workers().length === 2 && !workers().includes(first!));
      await until(healthy);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(workers()).toEqual([]);
  });
});
