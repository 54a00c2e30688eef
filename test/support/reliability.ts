// Shared by the reliability tests: how many cases to run (short in CI, long under
// `npm run reliability`), the figures they report for its table, and `spe serve` as a real
// process on a free port of 127.0.0.1.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import * as nodeFiles from 'node:fs/promises';
import { createServer } from 'node:net';
import type { StoreFiles } from '../../server/index.js';
import { SPE, root } from './spe.js';

export { root };

/** `npm run reliability` sets SPE_RELIABILITY=long. */
export const LONG = process.env.SPE_RELIABILITY === 'long';

/** The count to run: short in CI, long under `npm run reliability`. */
export const runs = (short: number, long: number): number => (LONG ? long : short);

/** Adds to a figure of the reliability table (figures of the same name are summed). */
export function figure(name: string, value: number): void {
  const file = process.env.SPE_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify({ name, value })}\n`);
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything it wrote so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
  /** kill -9, and waits for the exit. */
  kill(): Promise<void>;
}

/** A port free at the moment (workers cannot share port 0, so they are given one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts `bin/spe serve` on a free port with the given arguments and environment; resolves once it answers. */
export async function serve(args: string[], env: Record<string, string | undefined> = {}): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [SPE, 'serve', '--port', String(port), ...args], {
    cwd: root,
    env: { ...process.env, SPE_ADMIN_TOKEN: undefined, SPE_ADMIN_TOKEN_FILE: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ;) {
    if (child.exitCode !== null) throw new Error(`spe serve exited with ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) {
      // SIGTERM first: a primary stops its workers with it; SIGKILL would leave them behind.
      child.kill('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5_000))]);
      if (!gone) child.kill('SIGKILL');
      throw new Error(`spe serve did not start:\n${stderr}`);
    }
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const end = (signal: NodeJS.Signals) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, url, output: () => ({ stdout, stderr }), stop: end('SIGTERM'), kill: end('SIGKILL') };
}

/** node:fs/promises as the policy store uses it, recording every path it is asked to touch. */
export function recordingFiles(): { files: StoreFiles; paths: string[] } {
  const paths: string[] = [];
  const names = ['link', 'mkdir', 'open', 'readFile', 'readdir', 'rename', 'rm', 'stat'] as const;
  const files = Object.fromEntries(
    names.map((n) => [
      n,
      (...args: unknown[]) => {
        for (const a of n === 'link' || n === 'rename' ? args.slice(0, 2) : args.slice(0, 1)) paths.push(String(a));
        return (nodeFiles[n] as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as unknown as StoreFiles;
  return { files, paths };
}
