// Faults: a disk that fails at every step of a save (full, permission denied, I/O error,
// injected under the store's file operations), policy files corrupted on disk, and `spe serve`
// killed with SIGKILL while saves are in flight. The previous revision keeps serving, the
// history never claims a save that did not happen, and no acknowledged save is ever lost.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeFiles from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource, revisionOf } from '../../engine/index.js';
import { PolicyStore, type StoreFiles } from '../../server/index.js';
import { LONG, figure, root, runs, serve } from '../support/reliability.js';
import { policiesCopy, serverForTest, withServer } from '../support/with-server.js';

const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const retitled = (label: string) => zmanda.replace(/^title: .*$/m, `title: Zmanda customer support policy (${label})`);
const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone', openedAt: '2026-03-06T16:30:00+01:00' };

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/**
 * The store's file operations with a fault to inject: the `failAt`-th operation from now
 * (counting each call, file-handle writes, syncs and closes included) fails with `errno`.
 * Every path touched is recorded.
 */
function faultyFiles() {
  let count = 0;
  let failAt = 0;
  let errno = 'ENOSPC';
  let failed = '';
  const paths: string[] = [];
  const step = (syscall: string, path: unknown) => {
    paths.push(String(path));
    if (++count === failAt) {
      failed = syscall;
      const e = new Error(`${errno}: injected, ${syscall} '${String(path)}'`) as NodeJS.ErrnoException;
      e.code = errno;
      e.syscall = syscall;
      throw e;
    }
  };
  const wrapHandle = (handle: nodeFiles.FileHandle, path: unknown): nodeFiles.FileHandle =>
    new Proxy(handle, {
      get(target, key) {
        if (key === 'writeFile' || key === 'sync' || key === 'close') {
          return async (...args: unknown[]) => {
            try {
              step(`handle.${key}`, path);
            } catch (e) {
              // A close that fails still releases the descriptor, as close(2) does.
              if (key === 'close') await target.close();
              throw e;
            }
            return (target[key] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          };
        }
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  const wrap =
    (name: keyof StoreFiles) =>
    async (...args: unknown[]) => {
      step(name, args[0]);
      const result = await (nodeFiles[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      return name === 'open' ? wrapHandle(result as nodeFiles.FileHandle, args[0]) : result;
    };
  const files = Object.fromEntries(
    (['link', 'mkdir', 'open', 'readFile', 'readdir', 'rename', 'rm', 'stat'] as const).map((n) => [n, wrap(n)]),
  ) as unknown as StoreFiles;
  return {
    files,
    paths,
    /** Counts operations from now on; the n-th (1-based) fails with errno, 0 for none. */
    arm(n: number, code = 'ENOSPC') {
      count = 0;
      failed = '';
      failAt = n;
      errno = code;
    },
    get count() {
      return count;
    },
    /** The operation that was made to fail, if any. */
    get failed() {
      return failed;
    },
  };
}

describe('a save that the disk refuses', () => {
  const dir = policiesCopy(['zmanda.yaml']);
  const faults = faultyFiles();
  const TOKEN = 'faults-test-token-0123456789';
  const running = withServer({ dir, token: TOKEN, files: faults.files });

  const current = async () =>
    (await (await fetch(`${running.url}/v1/policies/zmanda`)).json()) as { revision: string; serving: string };
  const put = (source: string, revision: string) =>
    fetch(`${running.url}/v1/policies/zmanda`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml', authorization: `Bearer ${TOKEN}`, 'if-match': revision },
      body: source,
    });
  const history = async () =>
    (
      (await (await fetch(`${running.url}/v1/policies/zmanda/history`)).json()) as { revisions: { revision: string }[] }
    ).revisions.map((r) => r.revision);
  const servedRevision = async () =>
    (
      (await await fetch(`${running.url}/v1/evaluate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ policy: 'zmanda', facts: ticket }),
      }).then((r) => r.json())) as { policy: { revision: string } }
    ).policy.revision;

  it('fails at any step with a clear 507, the previous revision serving and the history as it was', async () => {
    // A first save records the revision found on disk; then count the operations of a plain save.
    faults.arm(0);
    expect((await put(retitled('first'), (await current()).revision)).status).toBe(200);
    faults.arm(0);
    expect((await put(retitled('counted'), (await current()).revision)).status).toBe(200);
    const steps = faults.count;
    expect(steps).toBeGreaterThan(10);

    const outcomes: Record<string, number> = {};
    let injected = 0;
    let n = 0;
    for (const errno of LONG ? ['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO'] : ['ENOSPC', 'EACCES', 'EIO']) {
      // In CI the first errno meets every step, the others every other step.
      for (let at = 1; at <= steps; at += LONG || errno === 'ENOSPC' ? 1 : 2) {
        const before = await current();
        const source = retitled(`${errno} at step ${at} (${n++})`);
        faults.arm(at, errno);
        const res = await put(source, before.revision);
        const failedStep = faults.failed;
        faults.arm(0);
        injected++;
        const body = (await res.json()) as { revision?: string; error?: { code: string; message: string; details: unknown } };
        outcomes[`${res.status} ${body.error?.code ?? 'saved'}`] =
          (outcomes[`${res.status} ${body.error?.code ?? 'saved'}`] ?? 0) + 1;
        const onDisk = readFileSync(join(dir, 'zmanda.yaml'), 'utf8');
        if (res.status === 200) {
          // A fault the save can live with (syncing the folder, removing its lock): all of it happened.
          expect(onDisk).toBe(source);
          expect(await servedRevision()).toBe(revisionOf(source));
          expect(await history()).toContain(revisionOf(source));
        } else {
          expect(res.status, `${errno} at ${at}`).toBe(507);
          expect(body.error!.code).toBe(
            errno === 'ENOSPC' || errno === 'EDQUOT' ? 'storage-full' : errno === 'EIO' ? 'storage-failed' : 'storage-denied',
          );
          expect(body.error!.message).toContain(`(${errno}): nothing was saved and revision ${before.revision} is still serving`);
          expect(body.error!.message).not.toContain(dir);
          expect(onDisk).toBe(readFileSync(join(dir, 'zmanda.yaml'), 'utf8'));
          expect(revisionOf(onDisk)).toBe(before.revision);
          expect((await current()).revision).toBe(before.revision);
          expect(await servedRevision()).toBe(before.revision);
          const revisions = await history();
          expect(revisions).not.toContain(revisionOf(source));
          expect(revisions).toContain(before.revision);
        }
        // No temporary file is left, unless removing it was the step that failed.
        const leftovers = filesUnder(dir).filter((f) => f.endsWith('.tmp'));
        if (failedStep === 'rm') for (const f of leftovers) rmSync(join(dir, f));
        else expect(leftovers, `${errno} at ${at}: ${failedStep}`).toEqual([]);
      }
    }
    expect(outcomes['507 storage-full']).toBeGreaterThan(5);
    expect(outcomes['507 storage-denied']).toBeGreaterThan(10);
    expect(outcomes['507 storage-failed']).toBeGreaterThan(5);
    figure('write faults injected', injected);

    // Nothing was left locked: the next save goes through at once.
    const start = performance.now();
    expect((await put(retitled('after the faults'), (await current()).revision)).status).toBe(200);
    expect(performance.now() - start).toBeLessThan(1000);
    // And no operation of all those saves touched a file outside the folder.
    const outside = faults.paths.filter((p) => !resolve(p).startsWith(`${resolve(dir)}/`) && resolve(p) !== resolve(dir));
    expect(outside).toEqual([]);
  });

  it('keeps the last good revision serving when the file cannot be read', async () => {
    // Let the watcher settle after the saves above, so the next operation is its read of this change.
    await new Promise((r) => setTimeout(r, 300));
    const good = (await current()).revision;
    faults.arm(1, 'EIO');
    writeFileSync(join(dir, 'zmanda.yaml'), retitled('unreadable'));
    const health = await waitFor(running.url, (h) => h.status === 'degraded');
    expect(health.degraded).toEqual([
      { id: 'zmanda', serving: good, diagnostics: [], unreadable: 'EIO', reason: 'policies/zmanda.yaml cannot be read (EIO)' },
    ]);
    expect(await servedRevision()).toBe(good);
    faults.arm(0);
    writeFileSync(join(dir, 'zmanda.yaml'), retitled('readable again'));
    await waitFor(running.url, (h) => h.status === 'ok');
    expect(await servedRevision()).toBe(revisionOf(retitled('readable again')));
  });
});

describe('a reload racing a save', () => {
  it('never puts back the revision it read before the save', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spe-race-'));
    writeFileSync(join(dir, 'zmanda.yaml'), zmanda);
    // A slow disk: the watcher's read of the file returns its content only 300 ms later.
    let slowReads = 0;
    const files = {
      ...nodeFiles,
      readFile: (async (...args: Parameters<typeof nodeFiles.readFile>) => {
        const content = await nodeFiles.readFile(...args);
        if (slowReads > 0 && String(args[0]).endsWith('zmanda.yaml')) {
          slowReads--;
          await new Promise((r) => setTimeout(r, 300));
        }
        return content;
      }) as typeof nodeFiles.readFile,
    } as StoreFiles;
    const store = new PolicyStore(dir, {}, files);
    await store.load();
    writeFileSync(join(dir, 'zmanda.yaml'), retitled('changed on disk'));
    slowReads = 1;
    const reload = store.reload('zmanda');
    await new Promise((r) => setTimeout(r, 50));
    const saved = await store.save('zmanda', retitled('saved'), {
      ifMatch: revisionOf(retitled('changed on disk')),
      author: 'ada',
    });
    await reload;
    expect(store.compiled('zmanda').revision).toBe(saved.revision);
    expect(readFileSync(join(dir, 'zmanda.yaml'), 'utf8')).toBe(retitled('saved'));
  });
});

interface Health {
  status: string;
  degraded?: { id: string; serving: string | null; diagnostics: { code: string }[]; unreadable?: string; reason: string }[];
}
async function waitFor(url: string, ok: (h: Health) => boolean): Promise<Health> {
  for (let i = 0; i < 100; i++) {
    const h = (await (await fetch(`${url}/healthz`)).json()) as Health;
    if (ok(h)) return h;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

describe('a policy file corrupted on disk', () => {
  const dir = policiesCopy(['zmanda.yaml']);
  const running = withServer({ dir, token: 'corrupt-test-token' });
  const good = revisionOf(zmanda);
  const served = async () =>
    (
      (await (
        await fetch(`${running.url}/v1/evaluate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ policy: 'zmanda', facts: ticket }),
        })
      ).json()) as { policy: { revision: string } }
    ).policy.revision;

  const corruptions: [string, () => void][] = [
    ['binary garbage', () => writeFileSync(join(dir, 'zmanda.yaml'), Buffer.from([0, 255, 1, 254, 0x1b, 0x5b, 10, 0]))],
    ['an empty file', () => writeFileSync(join(dir, 'zmanda.yaml'), '')],
    ['a file cut in half', () => writeFileSync(join(dir, 'zmanda.yaml'), zmanda.slice(0, zmanda.length >> 1))],
    [
      'bytes that are not UTF-8',
      () => writeFileSync(join(dir, 'zmanda.yaml'), Buffer.concat([Buffer.from(zmanda), Buffer.from([0xc3, 0x28, 0xff])])),
    ],
    [
      'a YAML alias bomb',
      () =>
        writeFileSync(
          join(dir, 'zmanda.yaml'),
          `a: &a [x, x, x, x, x, x, x, x]\n${Array.from(
            { length: 8 },
            (_, i) =>
              `b${i}: &b${i} [${Array(8)
                .fill(i ? `*b${i - 1}` : '*a')
                .join(', ')}]`,
          ).join('\n')}\n`,
        ),
    ],
    [
      'a directory in its place',
      () => {
        rmSync(join(dir, 'zmanda.yaml'));
        mkdirSync(join(dir, 'zmanda.yaml'));
      },
    ],
  ];
  for (const [what, corrupt] of corruptions) {
    it(`keeps serving the last good revision: ${what}`, async () => {
      corrupt();
      const health = await waitFor(running.url, (h) => h.status === 'degraded');
      expect(health.degraded![0]).toMatchObject({ id: 'zmanda', serving: good });
      expect(await served()).toBe(good);
      rmSync(join(dir, 'zmanda.yaml'), { recursive: true });
      writeFileSync(join(dir, 'zmanda.yaml'), zmanda);
      await waitFor(running.url, (h) => h.status === 'ok');
    });
  }

  it('starts, and serves the rest, with a directory where a policy file should be', async () => {
    const other = policiesCopy(['zmanda.yaml']);
    mkdirSync(join(other, 'logbot.yaml'));
    const s = await serverForTest({ dir: other, token: 'corrupt-test-token' });
    const health = (await (await s.get('/healthz')).json()) as Health;
    expect(health.degraded).toEqual([
      {
        id: 'logbot',
        serving: null,
        diagnostics: [],
        unreadable: 'EISDIR',
        reason: 'policies/logbot.yaml cannot be read (EISDIR)',
      },
    ]);
    expect((await s.get('/v1/policies/zmanda')).status).toBe(200);
  });
});

describe('spe serve killed with SIGKILL while saves are in flight', () => {
  const rounds = runs(2, 25);
  it(`loses no acknowledged save and leaves every file a saved revision (${rounds} rounds)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spe-kill-'));
    for (const f of ['zmanda.yaml', 'logbot.yaml']) cpSync(join(root, 'policies', f), join(dir, f));
    const TOKEN = 'kill-test-token-0123456789';
    const sources: Record<string, string> = {
      zmanda,
      logbot: readFileSync(join(root, 'policies', 'logbot.yaml'), 'utf8'),
    };
    /** Per policy: every source sent, and the revisions acknowledged in order. */
    const sent = new Map<string, Set<string>>(Object.keys(sources).map((id) => [id, new Set([revisionOf(sources[id]!)])]));
    const acked = new Map<string, string[]>(Object.keys(sources).map((id) => [id, []]));
    let lost = 0;
    let saves = 0;
    let attempted = 0;
    let serial = 0;

    for (let round = 0; round < rounds; round++) {
      const server = await serve(['--policies', dir], { SPE_ADMIN_TOKEN: TOKEN });
      let killed = false;
      // Writers, several per policy, each reading the revision and saving over it until the kill.
      const writer = async (id: string) => {
        while (!killed) {
          try {
            const current = (await (await fetch(`${server.url}/v1/policies/${id}`)).json()) as {
              source: string;
              revision: string;
            };
            const source = current.source.replace(/^title: (.*?)( \[save \d+\])?$/m, `title: $1 [save ${serial++}]`);
            sent.get(id)!.add(revisionOf(source));
            attempted++;
            const res = await fetch(`${server.url}/v1/policies/${id}`, {
              method: 'PUT',
              headers: { 'content-type': 'application/yaml', authorization: `Bearer ${TOKEN}`, 'if-match': current.revision },
              body: source,
            });
            if (res.status === 200) {
              acked.get(id)!.push(revisionOf(source));
              saves++;
            } else expect([412, 503]).toContain(res.status);
          } catch {
            // The connection died with the server.
          }
        }
      };
      const writers = Object.keys(sources).flatMap((id) => [writer(id), writer(id), writer(id)]);
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 450));
      await server.kill();
      killed = true;
      await Promise.all(writers);

      // Every file on disk is whole, valid and a revision that was sent; every acknowledged
      // revision is in the history; the file is the last acknowledged one or a later one in flight.
      const restarted = await serve(['--policies', dir], { SPE_ADMIN_TOKEN: TOKEN });
      try {
        for (const id of Object.keys(sources)) {
          const onDisk = readFileSync(join(dir, `${id}.yaml`), 'utf8');
          const compiled = await compileSource(onDisk, `policies/${id}.yaml`);
          expect(compiled.ok, `${id} after round ${round}`).toBe(true);
          const revision = revisionOf(onDisk);
          expect(sent.get(id)!.has(revision)).toBe(true);
          const history = (
            (await (await fetch(`${restarted.url}/v1/policies/${id}/history`)).json()) as { revisions: { revision: string }[] }
          ).revisions.map((r) => r.revision);
          const missing = acked.get(id)!.filter((r) => !history.includes(r));
          lost += missing.length;
          expect(missing).toEqual([]);
          const last = acked.get(id)!.at(-1);
          if (last && revision !== last) expect(acked.get(id)!).not.toContain(revision);
          // The file as first copied is in the history once anything was saved over it.
          if (revision !== revisionOf(sources[id]!)) expect(history).toContain(revision);
        }
        // A lock left by the killed process does not hold up the next save.
        const current = (await (await fetch(`${restarted.url}/v1/policies/zmanda`)).json()) as {
          source: string;
          revision: string;
        };
        const start = performance.now();
        const source = current.source.replace(/^title: (.*?)( \[save \d+\])?$/m, `title: $1 [save ${serial++}]`);
        sent.get('zmanda')!.add(revisionOf(source));
        const res = await fetch(`${restarted.url}/v1/policies/zmanda`, {
          method: 'PUT',
          headers: { 'content-type': 'application/yaml', authorization: `Bearer ${TOKEN}`, 'if-match': current.revision },
          body: source,
        });
        expect(res.status).toBe(200);
        acked.get('zmanda')!.push(revisionOf(source));
        expect(performance.now() - start).toBeLessThan(2000);
      } finally {
        await restarted.stop();
      }
    }
    // Saves were under way when each kill came (acknowledged ones are counted for the table).
    expect(attempted).toBeGreaterThan(rounds * 2);
    figure('SIGKILL rounds', rounds);
    figure('saves acknowledged before SIGKILL', saves);
    figure('revisions lost', lost);
  });
});
