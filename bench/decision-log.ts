// What `spe serve --decision-log FILE` costs: POST /v1/evaluate under autocannon at 64
// connections, one process, with the log appended to a file against the same server without it,
// in alternating rounds of the same run (so a burst of the machine's other work hits both). The
// server's CPU per request is read from /proc, as in system.ts.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { quick, report, round } from './report.js';

const root = process.cwd();
const spe = join(root, 'bin', 'spe');
const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'web', openedAt: '2026-03-06T16:30:00+01:00' };
const body = JSON.stringify({ policy: 'zmanda', facts: ticket, trace: false });
const seconds = quick ? 2 : 8;
const rounds = quick ? 2 : 3;
const logFile = join(tmpdir(), `spe-bench-decisions-${process.pid}.jsonl`);

/** CPU seconds (user + system) used so far by a process, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function serve(args: string[]): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = 20_000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, [spe, 'serve', '--port', String(port), ...args], {
    cwd: root,
    env: { ...process.env, SPE_ADMIN_TOKEN: 'bench-decision-log-token-0123456789abcdef' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { url, pid: child.pid!, stop: () => (child.kill('SIGTERM'), exited) };
}

async function load(url: string, pid: number, duration: number) {
  const cpu = cpuSeconds(pid);
  const r = await autocannon({
    url: `${url}/v1/evaluate`,
    method: 'POST',
    connections: 64,
    duration,
    headers: { 'content-type': 'application/json' },
    body,
  });
  if (r.errors || r.non2xx || r.timeouts) throw new Error(`${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`);
  return { rps: r.requests.total / r.duration, serverUs: ((cpuSeconds(pid) - cpu) * 1e6) / r.requests.total };
}

rmSync(logFile, { force: true });
const plain = await serve([]);
const logged = await serve(['--decision-log', logFile]);
const best = { plain: { rps: 0, serverUs: Infinity }, logged: { rps: 0, serverUs: Infinity } };
try {
  await load(plain.url, plain.pid, 1);
  await load(logged.url, logged.pid, 1);
  for (let i = 0; i < rounds; i++) {
    for (const [name, s] of [
      ['plain', plain],
      ['logged', logged],
    ] as const) {
      const r = await load(s.url, s.pid, seconds);
      best[name] = { rps: Math.max(best[name].rps, r.rps), serverUs: Math.min(best[name].serverUs, r.serverUs) };
    }
  }
} finally {
  await plain.stop();
  await logged.stop();
}
const bytes = statSync(logFile).size;
rmSync(logFile, { force: true });
const ratio = best.logged.rps / best.plain.rps;
console.log('| POST /v1/evaluate, 64 connections, 1 process | req/s (best round) | server CPU µs/req |');
console.log('|---|---|---|');
console.log(`| without a decision log | ${round(best.plain.rps)} | ${round(best.plain.serverUs)} |`);
console.log(`| --decision-log FILE | ${round(best.logged.rps)} | ${round(best.logged.serverUs)} |`);
console.log(`\nthroughput with the log: ${round(ratio * 100, 1)}% of without (${round(bytes / 1e6, 1)} MB of log written)`);
report({ decisionLog: { plainRps: round(best.plain.rps), loggedRps: round(best.logged.rps), ratio: round(ratio, 3) } });
