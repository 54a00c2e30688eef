// Finding policy files on disk: paths may name files or folders (searched recursively).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './common.js';

export const POLICY_EXTENSIONS = ['.yaml', '.yml'];
/** The column maps of `spe impact --map` are YAML too: a folder's `*.map.yaml` files are no policies. */
const MAP_EXTENSIONS = ['.map.yaml', '.map.yml'];
const isPolicyFile = (name: string) =>
  POLICY_EXTENSIONS.some((ext) => name.endsWith(ext)) && !MAP_EXTENSIONS.some((ext) => name.endsWith(ext));

/** Policy files under the given paths, in a stable order; a path that does not exist is a usage error. */
export function findPolicyFiles(paths: string[]): string[] {
  const found: string[] = [];
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new UsageError(`'${path}' does not exist`);
    }
    if (stat.isDirectory()) found.push(...walk(path));
    else found.push(path);
  }
  return [...new Set(found)];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (isPolicyFile(e.name)) out.push(p);
  }
  return out;
}
