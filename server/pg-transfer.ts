// Moving policies with their history between a folder and the PostgreSQL store (`spe store
// export|import`), so Git and the database can be moved between. The folder side is the folder
// store's own format (the policy files and `.history/`), written and read by its own code.
import * as nodeFiles from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { revisionOf } from '../engine/index.js';
import { writeAtomically } from './files.js';
import { PolicyHistory, type Revision } from './history.js';
import { CHANNEL, migrate } from './pg-schema.js';
import { PolicyStore } from './store.js';

/** A policy as it moves: its current source and its history, oldest first, each with its source. */
export interface MovingPolicy {
  id: string;
  source: string;
  history: (Revision & { source: string })[];
}

export function openPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined);
  return pool;
}

/** Every policy of the database with its history. */
export async function readDatabase(pool: pg.Pool): Promise<MovingPolicy[]> {
  await migrate(pool);
  const policies = await pool.query<{ id: string; revision: string; source: string }>(
    `SELECT p.id, p.revision, r.source FROM spe_policies p
       JOIN spe_revisions r ON r.policy_id = p.id AND r.revision = p.revision ORDER BY p.id`,
  );
  const out: MovingPolicy[] = [];
  for (const p of policies.rows) {
    const history = await pool.query<{
      revision: string;
      author: string;
      saved_at: Date;
      message: string | null;
      source: string;
    }>(
      `SELECT h.revision, h.author, h.saved_at, h.message, r.source FROM spe_history h
         JOIN spe_revisions r ON r.policy_id = h.policy_id AND r.revision = h.revision
        WHERE h.policy_id = $1 ORDER BY h.seq`,
      [p.id],
    );
    out.push({
      id: p.id,
      source: p.source,
      history: history.rows.map((h) => ({
        revision: h.revision,
        author: h.author,
        savedAt: h.saved_at.toISOString(),
        ...(h.message !== null ? { message: h.message } : {}),
        source: h.source,
      })),
    });
  }
  return out;
}

/** Writes a policy into a folder as the folder store keeps it: the file, and each revision in `.history/`. */
export async function writeFolder(dir: string, policy: MovingPolicy): Promise<void> {
  await nodeFiles.mkdir(dir, { recursive: true });
  const archive = new PolicyHistory(dir, nodeFiles, undefined);
  for (const h of policy.history) {
    const { source, ...revision } = h;
    await archive.record(policy.id, source, revision);
  }
  await writeAtomically(join(dir, `${policy.id}.yaml`), policy.source, nodeFiles);
}

/** The policies of a folder with their history; files with errors are named in `invalid`. */
export async function readFolder(dir: string): Promise<{ policies: MovingPolicy[]; invalid: string[] }> {
  const store = new PolicyStore(dir);
  await store.load();
  const policies: MovingPolicy[] = [];
  const invalid: string[] = [];
  for (const entry of store.list()) {
    if (entry.serving?.revision !== entry.revision) {
      invalid.push(entry.id);
      continue;
    }
    const newestFirst: (Revision & { source: string })[] = [];
    for (let before: string | undefined; ;) {
      const page = await store.history(entry.id, { limit: 500, ...(before ? { before } : {}) });
      for (const r of page.revisions)
        newestFirst.push({ ...r, source: await store.revisionSource(entry.id, r.revision).catch(() => '') });
      if (!page.next) break;
      before = page.next;
    }
    // A record whose source was pruned or lost cannot be moved: it is left out.
    policies.push({ id: entry.id, source: entry.source, history: newestFirst.filter((h) => h.source !== '').reverse() });
  }
  await store.close();
  return { policies, invalid };
}

/**
 * Inserts a policy with its history into the database, in one transaction; a policy the database
 * has already is left as it is (`exists`). When the folder's file is not its newest history
 * entry (edited by hand or in Git), its source is added as the newest.
 */
export async function importPolicy(pool: pg.Pool, policy: MovingPolicy, author: string): Promise<'imported' | 'exists'> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const had = await client.query('SELECT 1 FROM spe_policies WHERE id = $1 FOR UPDATE', [policy.id]);
    if (had.rowCount) {
      await client.query('ROLLBACK');
      return 'exists';
    }
    const revision = revisionOf(policy.source);
    const history = [...policy.history];
    if (history.at(-1)?.revision !== revision)
      history.push({
        revision,
        author,
        savedAt: new Date().toISOString(),
        message: 'imported from a folder',
        source: policy.source,
      });
    let seq = 0;
    for (const h of history) {
      await client.query('INSERT INTO spe_revisions (policy_id, revision, source) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        policy.id,
        h.revision,
        h.source,
      ]);
      const row = await client.query<{ seq: string }>(
        'INSERT INTO spe_history (policy_id, revision, author, saved_at, message) VALUES ($1, $2, $3, $4, $5) RETURNING seq',
        [policy.id, h.revision, h.author, h.savedAt, h.message ?? null],
      );
      seq = Number(row.rows[0]!.seq);
    }
    await client.query('INSERT INTO spe_policies (id, revision, seq, saved_at) VALUES ($1, $2, $3, now())', [
      policy.id,
      revision,
      seq,
    ]);
    await client.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ id: policy.id, seq })]);
    await client.query('COMMIT');
    return 'imported';
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
