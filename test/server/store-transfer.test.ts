// `spe store import|export` as real processes against a real PostgreSQL (test/support/postgres.ts): a
// folder with its history goes into the database and comes back out in the folder store's
// format, served again with the same revisions, authors and messages.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, startPostgres } from '../support/postgres.js';
import { root } from '../support/reliability.js';
import { policiesCopy, startTestServer } from '../support/with-server.js';

const spe = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'spe'), 'store', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, SPE_STORE: '' },
  });
const sha = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const TOKEN = 'transfer-test-token-0123456789abcdef';
const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const titled = (label: string) => zmanda.replace(/^title: .*$/m, `title: Zmanda (${label})`);

async function saveOn(url: string, source: string, ifMatch: string, author: string): Promise<number> {
  const res = await fetch(`${url}/v1/policies/zmanda`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'if-match': `"${ifMatch}"` },
    body: JSON.stringify({ source, author, message: `by ${author}` }),
  });
  return res.status;
}

let db: PgServer;
beforeAll(async () => {
  db = await startPostgres();
});
afterAll(() => db?.destroy());

describe('spe store', () => {
  it('imports a folder with its history, and exports it back as the folder store keeps it', async () => {
    const url = await db.database('transfer');
    // A folder whose zmanda was saved twice through the folder store: three revisions in its history.
    const folder = policiesCopy();
    const onFolder = await startTestServer({ dir: folder, token: TOKEN });
    expect(await saveOn(onFolder.url, titled('one'), sha(zmanda), 'ada')).toBe(200);
    expect(await saveOn(onFolder.url, titled('two'), sha(titled('one')), 'bob')).toBe(200);
    await onFolder.close();

    const imported = spe('import', '--store', url, '--from', folder);
    expect(imported.stderr).toMatch(/zmanda: 3 revisions/);
    expect(imported.stdout).toBe(`imported 4 policies into ${url}\n`);
    expect(imported.status).toBe(0);
    const again = spe('import', '--store', url, '--from', folder);
    expect(again.stdout).toMatch(/imported 0 policies .*; 4 already there/);
    expect(again.status).toBe(0);

    // Served from the database with the folder's history; then saved once more there.
    const onDb = await startTestServer({ dir: folder, store: url, token: TOKEN });
    const history = (await (await onDb.get('/v1/policies/zmanda/history', { authorization: `Bearer ${TOKEN}` })).json()) as {
      revisions: { revision: string; author: string; message?: string }[];
    };
    expect(history.revisions.map((r) => [r.revision, r.author])).toEqual([
      [sha(titled('two')), 'bob'],
      [sha(titled('one')), 'ada'],
      [sha(zmanda), 'file on disk'],
    ]);
    expect(await saveOn(onDb.url, titled('three'), sha(titled('two')), 'cy')).toBe(200);
    await onDb.close();

    const out = join(mkdtempSync(join(tmpdir(), 'spe-export-')), 'policies');
    const exported = spe('export', '--store', url, '--to', out);
    expect(exported.stdout).toBe(`exported 4 policies from ${url} to ${out}\n`);
    expect(exported.status).toBe(0);
    expect(readFileSync(join(out, 'zmanda.yaml'), 'utf8')).toBe(titled('three'));
    expect(readFileSync(join(out, 'oto.yaml'), 'utf8')).toBe(readFileSync(join(root, 'policies', 'oto.yaml'), 'utf8'));
    const onExport = await startTestServer({ dir: out, token: TOKEN });
    const back = (await (await onExport.get('/v1/policies/zmanda/history', { authorization: `Bearer ${TOKEN}` })).json()) as {
      revisions: { revision: string; author: string; message?: string }[];
    };
    expect(back.revisions.map((r) => [r.revision, r.author])).toEqual([
      [sha(titled('three')), 'cy'],
      [sha(titled('two')), 'bob'],
      [sha(titled('one')), 'ada'],
      [sha(zmanda), 'file on disk'],
    ]);
    expect(back.revisions[0]!.message).toBe('by cy');
    const old = await onExport.get(`/v1/policies/zmanda/history/${sha(titled('one'))}`);
    expect(((await old.json()) as { source: string }).source).toBe(titled('one'));
    await onExport.close();

    // A second export into the same folder would overwrite it: refused unless --force.
    expect(spe('export', '--store', url, '--to', out).status).toBe(2);
    expect(spe('export', '--store', url, '--to', out, '--force').status).toBe(0);
  });

  it('does not import a file with errors, and says so with exit 1', async () => {
    const url = await db.database('transfer_invalid');
    const folder = policiesCopy(['zmanda.yaml', 'oto.yaml']);
    writeFileSync(join(folder, 'oto.yaml'), 'policy: oto\nrules: [\n');
    const res = spe('import', '--store', url, '--from', folder);
    expect(res.stderr).toMatch(/oto: has errors, not imported/);
    expect(res.stdout).toMatch(/imported 1 policies .*; 1 with errors/);
    expect(res.status).toBe(1);
  });

  it('refuses bad usage with exit 2, and a database it cannot reach', () => {
    const serve = (...args: string[]) =>
      spawnSync(process.execPath, [join(root, 'bin', 'spe'), 'serve', '--port', '0', ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, SPE_STORE: '', SPE_ADMIN_TOKEN: TOKEN },
      });
    expect(serve('--store', 'mysql://x/y').status).toBe(2);
    expect(serve('--store', 'postgres://x/y', '--policies', 'policies').status).toBe(2);
    const down = serve('--store', 'postgres://nobody:secret@127.0.0.1:1/none');
    expect(down.stderr).toMatch(
      /the policy database postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none cannot be used: .*ECONNREFUSED/,
    );
    expect(down.stderr).not.toContain('secret');
    expect(down.status).toBe(1);
    expect(spe('export', '--to', '/tmp/x').status).toBe(2);
    expect(spe('import', '--store', 'mysql://x', '--from', '/tmp').status).toBe(2);
    expect(spe('copy').status).toBe(2);
    const unreachable = spe('export', '--store', 'postgres://nobody@127.0.0.1:1/none', '--to', mkdtempSync(join(tmpdir(), 'x-')));
    expect(unreachable.stderr).toMatch(/cannot read postgres:\/\/nobody@127\.0\.0\.1:1\/none/);
    expect(unreachable.status).toBe(2);
  });
});
