// Builds the `spe` command into dist/: one bundle (esbuild) of the CLI with its dependencies,
// split by subcommand, and the policy schema's ajv validator generated ahead of time. A bundle
// loads in a fraction of the time of hundreds of separate modules, which users feel on every
// `spe` run. Run by `npm ci` (prepare), `npm run build`, and `bin/spe` when sources changed.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/**
 * yaml checks the environment variables LOG_TOKENS and LOG_STREAM, which turn on its own debug
 * logging, once per token it reads and once per document part it builds: a call into the
 * operating system's environment each time, a quarter of the time it takes to read a policy.
 * Our bundles never turn that logging on, so in them those checks read `false`. The build fails
 * if the checks are not found where expected, so a yaml upgrade cannot silently undo this.
 */
export const yamlWithoutDebugLogging = {
  name: 'yaml-without-debug-logging',
  setup(b) {
    const checks = [
      { file: /[\\/]yaml[\\/]dist[\\/]parse[\\/]parser\.js$/, text: 'node_process.env.LOG_TOKENS' },
      { file: /[\\/]yaml[\\/]dist[\\/]compose[\\/]composer\.js$/, text: 'node_process.env.LOG_STREAM' },
    ];
    let yamlBundled = false;
    const replaced = new Set();
    b.onStart(() => {
      yamlBundled = false;
      replaced.clear();
    });
    b.onLoad({ filter: /[\\/]node_modules[\\/]yaml[\\/]dist[\\/].*\.js$/ }, (args) => {
      yamlBundled = true;
      const check = checks.find((c) => c.file.test(args.path));
      if (!check) return undefined;
      const parts = readFileSync(args.path, 'utf8').split(check.text);
      if (parts.length !== 2) {
        return { errors: [{ text: `expected '${check.text}' once in ${args.path}, found it ${parts.length - 1} times` }] };
      }
      replaced.add(check);
      return { contents: parts.join('false'), loader: 'js' };
    });
    b.onEnd(() => {
      const missing = yamlBundled ? checks.filter((c) => !replaced.has(c)) : [];
      return { errors: missing.map((c) => ({ text: `yaml's '${c.text}' was not found: no file matched ${c.file}` })) };
    });
  },
};

/** The plugins of every bundle that is timed or shipped. */
export const bundlePlugins = [yamlWithoutDebugLogging];

/** Every Node bundle of ours: ESM for Node 20, quiet unless it fails. */
export const nodeBundle = { logLevel: 'error', platform: 'node', format: 'esm', target: 'node20', bundle: true };

/** Some dependencies are CommonJS and call require(): an ESM bundle gives them one. */
export const requireBanner = {
  js: "import { createRequire as __speRequire } from 'node:module'; const require = __speRequire(import.meta.url);",
};

/** A bundle that is timed: built as the CLI and the server are. */
export const timedBundle = { ...nodeBundle, plugins: bundlePlugins, banner: requireBanner };

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether dist/ is missing or older than a source file (bin/spe makes the same check, inline, to start fast). */
export function isStale() {
  const stamp = join(dist, '.built');
  if (
    !existsSync(join(dist, 'cli', 'main.js')) ||
    !existsSync(join(dist, 'cli', 'heavy-worker.js')) ||
    !existsSync(join(dist, 'lib', 'index.js')) ||
    !existsSync(stamp)
  )
    return true;
  const built = statSync(stamp).mtimeMs;
  return (
    ['dsl', 'engine', 'cli', 'server', 'lib', 'lsp'].some(
      (d) => existsSync(join(root, d)) && newestSource(join(root, d)) > built,
    ) ||
    (existsSync(join(root, 'version.ts')) && statSync(join(root, 'version.ts')).mtimeMs > built)
  );
}

export async function build() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.error('spe: esbuild is not installed; run `npm ci`');
    return false;
  }
  // Build beside dist/ and swap it in at the end, so a command running meanwhile never sees a
  // half-written build (two commands may rebuild at once).
  const out = `${dist}.${process.pid}.${Date.now()}.tmp`;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'gen'), { recursive: true });
  const quiet = nodeBundle;

  // 1. The schema validator as standalone code: compile once here, not at every start.
  const schemaModule = join(out, 'gen', 'schema-validator-compiler.mjs');
  await esbuild.build({
    ...quiet,
    stdin: {
      contents: `
        import { Ajv } from 'ajv';
        import standaloneCode from 'ajv/dist/standalone/index.js';
        import { policySchema } from './dsl/schema.ts';
        import { AJV_OPTIONS } from './dsl/schema-validator.ts';
        export function generate() {
          const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true } });
          return standaloneCode(ajv, ajv.compile(policySchema));
        }`,
      resolveDir: root,
      loader: 'ts',
    },
    outfile: schemaModule,
  });
  const { generate } = await import(pathToFileURL(schemaModule).href);
  const validatorFile = join(out, 'gen', 'schema-validator.mjs');
  writeFileSync(validatorFile, `${generate()}\nexport function compileSchemaValidator() { return validate; }\n`);

  // 2. The CLI, with the generated validator in place of the runtime compiler.
  const useGeneratedValidator = {
    name: 'generated-schema-validator',
    setup(b) {
      b.onResolve({ filter: /schema-validator\.js$/ }, () => ({ path: validatorFile }));
    },
  };
  await esbuild.build({
    ...quiet,
    // The worker threads of heavy requests load the same code as the CLI, from the same chunks.
    entryPoints: { main: join(root, 'cli', 'main.ts'), 'heavy-worker': join(root, 'server', 'heavy-worker.ts') },
    outdir: join(out, 'cli'),
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [useGeneratedValidator, ...bundlePlugins],
    // piscina starts its threads from its own worker file beside it: it stays in node_modules.
    // So does pg, whose optional native binding (pg-native) is required only when asked for.
    external: ['piscina', 'pg'],
    banner: requireBanner,
  });
  // 3. The library (package.json `exports`): our code in one module, its dependencies imported
  // from node_modules so an application shares them. Its types come from `tsc -p tsconfig.lib.json`.
  await esbuild.build({
    ...quiet,
    entryPoints: { index: join(root, 'lib', 'index.ts') },
    outdir: join(out, 'lib'),
    packages: 'external',
    plugins: [useGeneratedValidator],
    banner: requireBanner,
  });
  // Type declarations are built apart (slower, by tsc); a rebuild keeps those of the last one.
  if (existsSync(join(dist, 'types'))) renameSync(join(dist, 'types'), join(out, 'types'));
  writeFileSync(join(out, '.built'), `${new Date().toISOString()}\n`);
  const old = `${out}.old`;
  try {
    renameSync(dist, old);
  } catch {
    // no earlier build
  }
  renameSync(out, dist);
  rmSync(old, { recursive: true, force: true });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit((await build()) ? 0 : 1);
