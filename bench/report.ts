// Each benchmark prints its table for people, and, when run by `npm run bench -- --json`, adds
// its figures to one JSON file that the runner prints at the end.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';

export const quick = process.argv.includes('--quick') || process.env.SPE_BENCH_QUICK === '1';

type Figures = Record<string, unknown>;

function merge(a: Figures, b: Figures): Figures {
  const out: Figures = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object'
        ? merge(out[k] as Figures, v as Figures)
        : v;
  }
  return out;
}

export function report(figures: Figures): void {
  const file = process.env.SPE_BENCH_JSON;
  if (!file) return;
  const before = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8') || '{}') as Figures) : {};
  writeFileSync(file, JSON.stringify(merge(before, figures)));
}

export const round = (n: number, digits = 0) => Number(n.toFixed(digits));

/** JSON POSTs to `url` from 64 connections for `seconds`: requests a second and p99 latency. Any failed answer throws. */
export async function postLoad(url: string, body: string, seconds: number): Promise<{ rps: number; p99: number }> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: 64,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body,
  });
  if (r.errors || r.non2xx || r.timeouts)
    throw new Error(`load on ${url}: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`);
  return { rps: r.requests.total / r.duration, p99: r.latency.p99 };
}
