// `npm run bench`: bundles the benchmarks (esbuild) and runs them one after another.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { build } from '../scripts/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!(await build())) process.exit(1);
const benches = ['validate', 'evaluate', 'clock', 'decision'];
for (const name of benches) {
  const outfile = join(root, 'dist', 'bench', `${name}.mjs`);
  await esbuild.build({
    entryPoints: [join(root, 'bench', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // zen-engine is a native module: load it from node_modules, do not bundle it.
    external: ['@gorules/zen-engine'],
    banner: { js: "import { createRequire as __speRequire } from 'node:module'; const require = __speRequire(import.meta.url);" },
  });
  console.log(`\n# ${name}`);
  const r = spawnSync(process.execPath, [outfile], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
