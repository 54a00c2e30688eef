// The service and the command line under load, each against a baseline in the same run:
//  - `spe eval --batch` end to end over a JSON-lines file, against reading and writing the same
//    lines with nothing decided (the I/O floor), with its peak memory;
//  - POST /v1/evaluate under autocannon at 64 connections, against a trivial express JSON echo
//    route, with one process and with --workers 2;
//  - memory (RSS) after 200k and after 2M evaluations in one process.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource, evaluate } from '../engine/index.js';
import { postLoad, quick, report, round } from './report.js';

const root = process.cwd();
const spe = join(root, 'bin', 'spe');
const ticket = { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'web', openedAt: '2026-03-06T16:30:00+01:00' };

// ---- batch ---------------------------------------------------------------------------------------
const lines = quick ? 50_000 : 300_000;
const input = join(tmpdir(), 'spe-bench-batch.jsonl');
const levels = ['high', 'medium', 'low'];
const out = createWriteStream(input);
for (let i = 0; i < lines; i++)
  out.write(`${JSON.stringify({ ...ticket, urgency: levels[i % 3], impact: levels[(i >> 2) % 3] })}\n`);
await new Promise<void>((resolve) => out.end(resolve));

function timed(args: string[]): { ms: number; maxRssKb: number } {
  const start = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  const maxRssKb = Number(r.stderr.trim().split('\n').pop());
  return { ms, maxRssKb };
}
const echoScript = join(tmpdir(), 'spe-bench-echo.mjs');
writeFileSync(
  echoScript,
  `import { createReadStream } from 'node:fs'; import { createInterface } from 'node:readline';
   for await (const l of createInterface({ input: createReadStream(process.argv[2]) })) { if (l) process.stdout.write(JSON.stringify(JSON.parse(l)) + '\\n'); }`,
);
const floor = timed([echoScript, input]);
const batch = timed([spe, 'eval', 'zmanda', '--batch', '--no-trace', '--facts', input]);
const batchRate = lines / (batch.ms / 1000);

// ---- HTTP --------------------------------------------------------------------------------------
/** CPU seconds (user + system) used so far by a process and its children, from /proc. */
function cpuSeconds(pid: number): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  const visit = (p: number) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
      for (const task of readdirSync(`/proc/${p}/task`))
        for (const child of readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean))
          visit(Number(child));
    } catch {
      // The process is gone (or /proc is not there): count nothing for it.
    }
  };
  visit(pid);
  return total;
}

/**
 * Requests per second and p99 latency over `seconds`, after a second of warm-up (connections,
 * JIT), with the CPU time each request cost the server (all its processes) and the load
 * generator (autocannon, in this process): both share the machine's cores.
 */
async function load(url: string, body: string, seconds: number, serverPid: number) {
  await run(url, body, 1);
  const server = cpuSeconds(serverPid);
  const client = process.cpuUsage();
  const machine = machineTicks();
  const r = await run(url, body, seconds);
  const { user, system } = process.cpuUsage(client);
  const after = machineTicks();
  const n = r.rps * seconds;
  return {
    ...r,
    serverUs: ((cpuSeconds(serverPid) - server) * 1e6) / n,
    clientUs: (user + system) / n,
    // The share of all the cores' time that was busy (any process, the kernel's network work included).
    busy: 1 - (after.idle - machine.idle) / Math.max(1, after.total - machine.total),
  };
}

/** Idle and total ticks of all the cores so far (/proc/stat). */
function machineTicks(): { idle: number; total: number } {
  try {
    const t = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: t[3]! + (t[4] ?? 0), total: t.reduce((a, b) => a + b, 0) };
  } catch {
    return { idle: 0, total: 0 };
  }
}
const run = postLoad;
const seconds = quick ? 2 : 10;
const evaluation = JSON.stringify({ policy: 'zmanda', facts: ticket, trace: false });

// The echo route runs in its own process, as the service does, so both share the machine alike.
const echoFile = join(tmpdir(), 'spe-bench-echo-server.cjs');
writeFileSync(
  echoFile,
  `const express = require(${JSON.stringify(require.resolve('express'))});
   const app = express(); app.use(express.json());
   app.post('/echo', (req, res) => res.json(req.body));
   const s = app.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));`,
);
const echoChild = spawn(process.execPath, [echoFile], { stdio: ['ignore', 'pipe', 'inherit'] });
const echoPort = await new Promise<number>((resolve) =>
  echoChild.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
);
const echoLoad = await load(`http://127.0.0.1:${echoPort}/echo`, evaluation, seconds, echoChild.pid!);
echoChild.kill('SIGTERM');

async function serve(workers: number): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, [spe, 'serve', '--port', String(port), '--workers', String(workers)], {
    cwd: root,
    env: { ...process.env, SPE_ADMIN_TOKEN: 'bench' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${url}/healthz`).catch(() => null))?.ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // With several workers, wait until each has loaded its policies.
  await new Promise((r) => setTimeout(r, workers > 1 ? 1500 : 200));
  return {
    url,
    pid: child.pid!,
    stop: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}
const one = await serve(1);
const speLoad = await load(`${one.url}/v1/evaluate`, evaluation, seconds, one.pid);
await one.stop();
const two = await serve(2);
const spe2Load = await load(`${two.url}/v1/evaluate`, evaluation, seconds, two.pid);
await two.stop();

// ---- memory over many evaluations --------------------------------------------------------------
const compiled = await compileSource(readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8'), 'policies/zmanda.yaml');
if (!compiled.ok) throw new Error('zmanda does not compile');
const rssAfter = (n: number, from: number) => {
  for (let i = from; i < n; i++) evaluate(compiled.compiled, { ...ticket, urgency: levels[i % 3] }, { trace: false });
  globalThis.gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
};
const at200k = rssAfter(200_000, 0);
const at2M = rssAfter(2_000_000, 200_000);

const f = (n: number) => `${Math.round(n).toLocaleString('en')}/s`;
console.log('benchmark                                            result        ratio to baseline');
console.log(
  `spe eval --batch, ${lines.toLocaleString('en')} lines            ${f(batchRate).padStart(12)}   ${(floor.ms / batch.ms).toFixed(2)}× the speed of only reading and writing the lines; peak RSS ${(batch.maxRssKb / 1024).toFixed(0)} MB`,
);
console.log(
  `POST /v1/evaluate, 64 connections, 1 process    ${f(speLoad.rps).padStart(12)}   ${(speLoad.rps / echoLoad.rps).toFixed(2)}× an express JSON echo route (${f(echoLoad.rps)}); p99 ${speLoad.p99} ms`,
);
console.log(
  `POST /v1/evaluate, 64 connections, --workers 2  ${f(spe2Load.rps).padStart(12)}   ${(spe2Load.rps / speLoad.rps).toFixed(2)}× one process; p99 ${spe2Load.p99} ms`,
);
// Two workers share the cores with the load generator: when the cores are all busy, more
// workers cannot give more.
const cores = cpus().length;
const pct = (x: number) => `${Math.round(x * 100)}%`;
console.log(
  `  CPU a request: 1 process ${speLoad.serverUs.toFixed(0)} µs + autocannon ${speLoad.clientUs.toFixed(0)} µs (${cores} cores ${pct(speLoad.busy)} busy); 2 workers ${spe2Load.serverUs.toFixed(0)} µs + autocannon ${spe2Load.clientUs.toFixed(0)} µs (${pct(spe2Load.busy)} busy)`,
);
console.log(
  `RSS after 200k and 2M evaluations                ${at200k.toFixed(0)} MB, ${at2M.toFixed(0)} MB   ${(at2M / at200k).toFixed(2)}×`,
);
report({
  batch: { spe: round(batchRate), floor: round(lines / (floor.ms / 1000)), peakRssMB: round(batch.maxRssKb / 1024, 1) },
  http: {
    spe: round(speLoad.rps),
    echo: round(echoLoad.rps),
    spe2workers: round(spe2Load.rps),
    p99ms: speLoad.p99,
    echoP99ms: echoLoad.p99,
    spe2workersP99ms: spe2Load.p99,
    cpuUsPerRequest: {
      spe: round(speLoad.serverUs, 1),
      spe2workers: round(spe2Load.serverUs, 1),
      echo: round(echoLoad.serverUs, 1),
      autocannon: round(speLoad.clientUs, 1),
      autocannon2workers: round(spe2Load.clientUs, 1),
    },
    coresBusy: { spe: round(speLoad.busy, 3), spe2workers: round(spe2Load.busy, 3) },
  },
  rssMB: { at200k: round(at200k, 1), at2M: round(at2M, 1) },
});
