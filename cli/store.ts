// `spe store export|import`: moves policies with their history between the PostgreSQL store and
// a folder in the folder store's format, so a team can go from Git to the database and back.
import { existsSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { importPolicy, isPostgresUrl, openPool, readDatabase, readFolder, redactedUrl, writeFolder } from '../server/index.js';
import { EXIT, UsageError } from './common.js';

export const HELP = `Usage: spe store export --store URL --to DIR [--force]
       spe store import --store URL --from DIR

Moves policies with their history between the PostgreSQL store and a folder.
  export  writes every policy of the database to DIR as the folder store keeps them
          (DIR/<id>.yaml, and each saved revision with its author, time and message in
          DIR/.history/), ready to commit to Git or to serve with spe serve --policies DIR
  import  reads the policies of DIR (and their .history/, when there is one) into the
          database, each in one transaction; a policy the database has already is left as
          it is and named; a file with errors is not imported (exit 1)

Options:
  --store <url>  the database (postgres://user:password@host:5432/db; default: SPE_STORE);
                 its tables are created or migrated first
  --to <dir>     export: the folder to write (created; must hold no policy file unless --force)
  --from <dir>   import: the policies folder to read
  --force        export: overwrite the policy files already in DIR

Exit status: 0 done, 1 some policy not moved, 2 bad usage or the database cannot be reached.
`;

const say = (line: string) => void process.stderr.write(`spe store: ${line}\n`);

export async function run(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'export' && action !== 'import') throw new UsageError(`say 'export' or 'import'`);
  const { values } = parseArgs({
    args: rest,
    allowPositionals: false,
    options: {
      store: { type: 'string' },
      to: { type: 'string' },
      from: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  const url = values.store ?? (process.env.SPE_STORE || undefined);
  if (!url) throw new UsageError('--store URL (or SPE_STORE) names the database');
  if (!isPostgresUrl(url)) throw new UsageError(`--store takes a PostgreSQL URL (postgres://user@host:5432/db)`);
  const pool = openPool(url);
  try {
    if (action === 'export') {
      if (!values.to) throw new UsageError('export needs --to DIR');
      if (values.from) throw new UsageError('export takes --to, not --from');
      const present = existsSync(values.to) ? readdirSync(values.to).filter((f) => f.endsWith('.yaml')) : [];
      if (present.length && !values.force)
        throw new UsageError(`${values.to} holds policy files already (${present.join(', ')}): pass --force to overwrite them`);
      const policies = await readDatabase(pool).catch((e: Error) => {
        throw new UsageError(`cannot read ${redactedUrl(url)}: ${e.message}`);
      });
      for (const p of policies) {
        await writeFolder(values.to, p);
        say(`${p.id}: ${p.history.length} revisions`);
      }
      process.stdout.write(`exported ${policies.length} policies from ${redactedUrl(url)} to ${values.to}\n`);
      return EXIT.ok;
    }
    if (!values.from) throw new UsageError('import needs --from DIR');
    if (values.to) throw new UsageError('import takes --from, not --to');
    if (!existsSync(values.from)) throw new UsageError(`'${values.from}' is not a folder`);
    const { policies, invalid } = await readFolder(values.from);
    // Migrates the tables first, and tells a database that cannot be reached before any work.
    await readDatabase(pool).catch((e: Error) => {
      throw new UsageError(`cannot use ${redactedUrl(url)}: ${e.message}`);
    });
    let imported = 0;
    const existing: string[] = [];
    for (const p of policies) {
      const outcome = await importPolicy(pool, p, 'spe store import');
      if (outcome === 'exists') existing.push(p.id);
      else imported++;
      say(`${p.id}: ${outcome === 'exists' ? 'already in the database, left as it is' : `${p.history.length || 1} revisions`}`);
    }
    for (const id of invalid) say(`${id}: has errors, not imported (spe validate ${values.from})`);
    process.stdout.write(
      `imported ${imported} policies into ${redactedUrl(url)}` +
        `${existing.length ? `; ${existing.length} already there` : ''}${invalid.length ? `; ${invalid.length} with errors` : ''}\n`,
    );
    return invalid.length ? EXIT.failed : EXIT.ok;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
