// POST /v1/evaluate with the policies in PostgreSQL (`spe serve --store postgres://…`) against
// the same policies in the folder: evaluations never touch the database, so the ratio should be
// 1 within noise (target ≥ 0.95). The two servers take turns (folder, postgres, folder, …) so a
// change in the machine's load falls on both alike; the database is a real one (test/support/postgres.ts).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startPostgres } from '../test/support/postgres.js';
import { freePort } from '../test/support/reliability.js';
import { postLoad, quick, report, round } from './report.js';

const root = process.cwd();
const spe = join(root, 'bin', 'spe');
const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'web', openedAt: '2026-03-06T16:30:00+01:00' };
const body = JSON.stringify({ policy: 'zmanda', facts: ticket, trace: false });

async function serve(args: string[]): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [spe, 'serve', '--port', String(port), ...args], {
    cwd: root,
    env: { ...process.env, SPE_ADMIN_TOKEN: 'bench-token-0123456789abcdef0123456789', SPE_STORE: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, stop: () => child.kill('SIGTERM') };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`spe serve ${args.join(' ')} did not start`);
}

const rps = async (url: string, seconds: number) => (await postLoad(`${url}/v1/evaluate`, body, seconds)).rps;

const db = await startPostgres();
try {
  const url = await db.database('bench');
  const imported = spawnSync(process.execPath, [spe, 'store', 'import', '--store', url, '--from', join(root, 'policies')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (imported.status !== 0) throw new Error('spe store import failed');
  const folder = await serve(['--policies', join(root, 'policies')]);
  const postgres = await serve(['--store', url]);
  // Many short turns, each a pair (folder then postgres, then the other way round): the ratio is
  // the median of the pairs' ratios, so a turn slowed by another process on the machine does not
  // decide it.
  const seconds = 2;
  const turns = quick ? 4 : 10;
  await rps(folder.url, 1);
  await rps(postgres.url, 1);
  const runs = { folder: [] as number[], postgres: [] as number[] };
  for (let t = 0; t < turns; t++) {
    if (t % 2) runs.postgres.push(await rps(postgres.url, seconds));
    runs.folder.push(await rps(folder.url, seconds));
    if (t % 2 === 0) runs.postgres.push(await rps(postgres.url, seconds));
  }
  folder.stop();
  postgres.stop();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = median(runs.folder);
  const p = median(runs.postgres);
  const ratio = median(runs.postgres.map((v, i) => v / runs.folder[i]!));
  console.log('| store | POST /v1/evaluate, 64 connections | runs |');
  console.log('|---|---:|---|');
  console.log(`| folder | ${Math.round(f)}/s | ${runs.folder.map(Math.round).join(', ')} |`);
  console.log(`| postgres | ${Math.round(p)}/s | ${runs.postgres.map(Math.round).join(', ')} |`);
  console.log(`\npostgres / folder, the median of ${turns} pairs: ${ratio.toFixed(3)} (target ≥ 0.95)`);
  report({ store: { folder: round(f), postgres: round(p), ratio: round(ratio, 3) } });
} finally {
  await db.destroy();
}
