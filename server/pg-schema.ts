// The policy store's tables in PostgreSQL and their versioned migrations, applied at start in
// order, each in its own transaction, under an advisory lock so replicas starting together
// migrate once. A database migrated by a newer `spe` is refused rather than written to.
import type pg from 'pg';

/** The channel every save is announced on (payload: `{ "id", "seq" }`). */
export const CHANNEL = 'spe_policy_saved';

/** An arbitrary constant naming the migration lock among the database's advisory locks. */
const MIGRATION_LOCK = 7_305_194_201;

/** Each entry one version; never edit one that has shipped: add the next. */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'policies, revisions and history',
    sql: `
      -- Every revision's source, once, by its hash.
      CREATE TABLE spe_revisions (
        policy_id text NOT NULL,
        revision text NOT NULL CHECK (revision ~ '^sha256:[0-9a-f]{64}$'),
        source text NOT NULL,
        PRIMARY KEY (policy_id, revision)
      );
      -- The revision each policy serves; seq grows with every save (of any policy), so a
      -- replica applies a policy's row only when it is newer than the one it holds.
      CREATE TABLE spe_policies (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
        revision text NOT NULL,
        seq bigint NOT NULL,
        saved_at timestamptz NOT NULL,
        FOREIGN KEY (id, revision) REFERENCES spe_revisions (policy_id, revision)
      );
      -- Who saved which revision when, newest the highest seq.
      CREATE TABLE spe_history (
        seq bigserial PRIMARY KEY,
        policy_id text NOT NULL,
        revision text NOT NULL,
        author text NOT NULL,
        saved_at timestamptz NOT NULL,
        message text,
        FOREIGN KEY (policy_id, revision) REFERENCES spe_revisions (policy_id, revision)
      );
      CREATE INDEX spe_history_by_policy ON spe_history (policy_id, seq DESC);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** Applies the migrations the database lacks; returns the versions applied. */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS spe_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const { rows } = await client.query<{ version: number }>('SELECT version FROM spe_migrations');
      const have = new Set(rows.map((r) => r.version));
      const newest = Math.max(0, ...have);
      if (newest > SCHEMA_VERSION)
        throw new Error(
          `the database's policy tables are at version ${newest}, newer than this spe knows (${SCHEMA_VERSION}): upgrade spe`,
        );
      for (const m of MIGRATIONS) {
        if (have.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO spe_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
        applied.push(m.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
  return applied;
}
