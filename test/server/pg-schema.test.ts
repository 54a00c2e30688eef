// The PostgreSQL store's migrations on a real server (test/support/postgres.ts): replicas starting
// together migrate once, and a database migrated by a newer spe is refused, not written to.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SCHEMA_VERSION, migrate } from '../../server/index.js';
import { type PgServer, startPostgres } from '../support/postgres.js';

let db: PgServer;
/** A pool whose idle connections may be closed by the server stopping (57P01) without an unhandled 'error'. */
const quiet = (pool: pg.Pool) => pool.on('error', () => undefined);
beforeAll(async () => {
  db = await startPostgres();
});
afterAll(() => db?.destroy());

it('migrates once when three replicas start at the same time', async () => {
  const url = await db.database('together');
  const replicas = [1, 2, 3].map(() => quiet(new pg.Pool({ connectionString: url })));
  try {
    const applied = await Promise.all(replicas.map((p) => migrate(p)));
    expect(applied.map((a) => a.length).sort()).toEqual([0, 0, SCHEMA_VERSION]);
    const rows = await replicas[0]!.query<{ version: number }>('SELECT version FROM spe_migrations ORDER BY version');
    expect(rows.rows.map((r) => r.version)).toEqual([1]);
    const tables = await replicas[0]!.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE tablename LIKE 'spe_%' ORDER BY tablename",
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(['spe_history', 'spe_migrations', 'spe_policies', 'spe_revisions']);
  } finally {
    await Promise.all(replicas.map((p) => p.end()));
  }
});

it('refuses a database whose tables a newer spe migrated', async () => {
  const pool = quiet(new pg.Pool({ connectionString: await db.database('newer') }));
  try {
    await migrate(pool);
    await pool.query("INSERT INTO spe_migrations (version, name) VALUES (99, 'from the future')");
    await expect(migrate(pool)).rejects.toThrow(/at version 99, newer than this spe knows \(1\): upgrade spe/);
  } finally {
    await pool.end();
  }
});
