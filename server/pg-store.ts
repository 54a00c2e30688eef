// The policy store in PostgreSQL, for replicas that share their policies. Every replica holds
// each policy compiled in memory (evaluations never touch the database), LISTENs on a dedicated
// connection and reloads a policy when another replica announces a save. A save is one
// transaction: the policy's row locked, If-Match compared, the revision and its history entry
// inserted, NOTIFY sent on commit. When the database goes away the replica keeps serving what it
// holds, says so in its health, answers saves 503, and reconnects by itself, reloading everything
// once it is back (a notification sent while it was away is lost, the rows are not).
import pg from 'pg';
import { type CompiledPolicy, compileSource, revisionOf } from '../engine/index.js';
import { HISTORY_PAGE, type HistoryPage, type Revision } from './history.js';
import { CHANNEL, migrate } from './pg-schema.js';
import { POLICY_ID, StoreError } from './store-error.js';
import {
  type ChangeListener,
  ChangeListeners,
  type DegradedPolicy,
  type PolicyEntry,
  type SaveOptions,
  type Saved,
  ServedPolicies,
  type Store,
  type StoreHealth,
} from './stores.js';

export interface PgStoreEvents {
  /** Migrations applied at start. */
  migrated?: (versions: number[]) => void;
  reloaded?: (id: string, ok: boolean) => void;
  /** The database was lost (the last revisions keep serving) or is back. */
  lost?: (reason: string) => void;
  restored?: (downMs: number) => void;
}

export interface PgStoreOptions {
  /** History entries kept per policy, the oldest removed at each save (0 or undefined: all). */
  historyKeep?: number;
  /** Connections of this process's pool (besides the one that LISTENs). */
  poolSize?: number;
  /** How often the listening connection is checked (ms); a silent network loss is found this way. */
  pingMs?: number;
  /** The first wait before reconnecting, doubled up to `maxReconnectMs`. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  events?: PgStoreEvents;
}

/** A URL is a PostgreSQL store's when it says so. */
export const isPostgresUrl = (text: string): boolean => /^postgres(ql)?:\/\//.test(text);

/** The URL without its password, for logs and /healthz. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unreadable URL)';
  }
}

/** SQLSTATEs and socket errors that mean the database cannot be reached, not that the request was wrong. */
function unreachable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return e instanceof Error && /terminat|timeout|Connection|ECONN|EPIPE/i.test(e.message);
  return /^(08|57P|53)/.test(code) || /^E[A-Z]+$/.test(code);
}

const why = (e: unknown): string => {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
};

/** A save's connection failed before its commit: nothing was written, so it may be tried again. */
class BrokenBeforeCommit extends Error {
  constructor(readonly answer: StoreError) {
    super(answer.message);
  }
}

interface PolicyRow {
  id: string;
  revision: string;
  seq: string;
  source: string;
}

const SELECT_POLICIES = `SELECT p.id, p.revision, p.seq, r.source FROM spe_policies p
  JOIN spe_revisions r ON r.policy_id = p.id AND r.revision = p.revision`;

export class PgStore extends ServedPolicies implements Store {
  readonly kind = 'postgres' as const;
  readonly where: string;
  private readonly pool: pg.Pool;
  /** The save sequence number of each policy's entry: a row is applied only when newer. */
  private readonly seqs = new Map<string, number>();
  private readonly changes = new ChangeListeners();
  private listener: pg.Client | undefined;
  /** Listening connections already given up (each reported lost once). */
  private readonly dropped = new WeakSet<pg.Client>();
  private down: { reason: string; since: string } | undefined;
  private following = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private readonly o: Required<Omit<PgStoreOptions, 'events' | 'historyKeep'>>;

  constructor(
    private readonly url: string,
    private readonly options: PgStoreOptions = {},
  ) {
    super();
    this.where = redactedUrl(url);
    this.o = { poolSize: 4, pingMs: 2_000, reconnectMs: 200, maxReconnectMs: 2_000, ...options };
    this.backoff = this.o.reconnectMs;
    this.pool = new pg.Pool({
      connectionString: url,
      max: this.o.poolSize,
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
      query_timeout: 10_000,
    });
    // A connection that the database drops (idle in the pool, or held between two queries of a
    // save) must not end the process: its next query fails, and the pool replaces it.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** Migrates the tables, then loads every policy. Rejects when the database cannot be reached. */
  async load(): Promise<void> {
    const applied = await migrate(this.pool).catch((e: unknown) => {
      throw new Error(`the policy database ${this.where} cannot be used: ${why(e)}`);
    });
    if (applied.length) this.options.events?.migrated?.(applied);
    await this.reloadAll();
  }

  /** Follows the other replicas' saves (LISTEN), reconnecting whenever the connection is lost. */
  watch(): void {
    if (this.following) return;
    this.following = true;
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 3_000 });
    const lost = (e: unknown) => this.lost(client, e);
    client.on('error', lost);
    client.on('end', () => lost(new Error('the connection to the database ended')));
    client.on('notification', (n) => this.announced(n.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.closed) return void client.end().catch(() => undefined);
      this.listener = client;
      // Whatever was saved while this replica was not listening (at start, or during an outage).
      await this.reloadAll();
    } catch (e) {
      return this.lost(client, e);
    }
    if (this.listener !== client) return;
    this.backoff = this.o.reconnectMs;
    if (this.down) {
      const ms = Date.now() - Date.parse(this.down.since);
      this.down = undefined;
      this.options.events?.restored?.(ms);
    }
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => void this.ping(client), this.o.pingMs);
    this.pingTimer.unref();
  }

  /** A query on the listening connection, so a connection that went silent is found and replaced. */
  private async ping(client: pg.Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the database did not answer within 5 s')), 5_000);
    });
    try {
      await Promise.race([client.query('SELECT 1'), timeout]);
    } catch (e) {
      this.lost(client, e);
    } finally {
      clearTimeout(timer);
    }
  }

  private lost(client: pg.Client, e: unknown): void {
    if (this.closed) return;
    // Each connection is reported once: its error and end events both arrive here.
    if (this.dropped.has(client)) return;
    this.dropped.add(client);
    if (this.listener === client) this.listener = undefined;
    clearInterval(this.pingTimer);
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (!this.down) {
      this.down = {
        reason: `the policy database cannot be reached (${why(e)}): the revisions loaded last keep serving; saves answer 503`,
        since: new Date().toISOString(),
      };
      this.options.events?.lost?.(this.down.reason);
    }
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.o.maxReconnectMs);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), wait);
    this.reconnectTimer.unref();
  }

  /** Another replica (or this one) saved: reload the policy unless this replica has that save already. */
  private announced(payload: string | undefined): void {
    let note: { id?: unknown; seq?: unknown };
    try {
      note = JSON.parse(payload ?? '') as typeof note;
    } catch {
      return;
    }
    if (typeof note.id !== 'string' || !POLICY_ID.test(note.id)) return;
    if (typeof note.seq === 'number' && (this.seqs.get(note.id) ?? 0) >= note.seq) return;
    void this.reload(note.id);
  }

  private async reloadAll(): Promise<void> {
    const { rows } = await this.pool.query<PolicyRow>(SELECT_POLICIES);
    for (const row of rows) await this.apply(row);
  }

  /** Reads one policy's row again; a database that cannot be reached leaves what is served. */
  async reload(id: string): Promise<void> {
    try {
      const { rows } = await this.pool.query<PolicyRow>(`${SELECT_POLICIES} WHERE p.id = $1`, [id]);
      if (rows[0]) await this.apply(rows[0]);
    } catch {
      // The listener notices the outage and reloads everything once the database is back.
    }
  }

  /** Compiles a row and serves it, unless this replica already serves the same or a newer save. */
  private async apply(row: PolicyRow): Promise<void> {
    const seq = Number(row.seq);
    if ((this.seqs.get(row.id) ?? 0) >= seq) return;
    const file = `policies/${row.id}.yaml`;
    const result = await compileSource(row.source, file);
    // A save applied meanwhile (compiling takes a while) must not be replaced by this older row.
    if ((this.seqs.get(row.id) ?? 0) >= seq) return;
    const ok = result.ok && result.compiled.id === row.id;
    const before = this.entries.get(row.id);
    this.entries.set(row.id, {
      id: row.id,
      file,
      source: row.source,
      revision: row.revision,
      diagnostics: result.diagnostics,
      serving:
        ok && result.ok ? { source: row.source, revision: row.revision, compiled: result.compiled } : (before?.serving ?? null),
    });
    this.seqs.set(row.id, seq);
    this.options.events?.reloaded?.(row.id, ok);
    if (before?.revision !== row.revision) this.changes.emit(row.id, row.revision);
  }

  /** Calls `listener` whenever a policy's served text changes on this replica (its saves, and others' as notified). */
  onChange(listener: ChangeListener): () => void {
    return this.changes.add(listener);
  }




  health(): StoreHealth {
    const degraded: DegradedPolicy[] = this.list()
      .filter((e) => e.serving?.revision !== e.revision)
      .map((e) => ({
        id: e.id,
        serving: e.serving?.revision ?? null,
        diagnostics: e.diagnostics,
        reason: `the stored revision of ${e.id} has errors`,
      }));
    return { ok: degraded.length === 0 && !this.down, degraded, ...(this.down ? { store: { ...this.down } } : {}) };
  }

  private unavailable(e: unknown, doing: string): StoreError {
    return new StoreError('store-unavailable', `the policy database cannot be reached (${why(e)}): ${doing}`);
  }

  /** A pooled connection, or 503 when the database cannot be reached. */
  private async client(doing: string): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw this.unavailable(e, doing);
    }
  }

  async save(id: string, source: string, opts: SaveOptions): Promise<Saved> {
    if (!POLICY_ID.test(id))
      throw new StoreError('invalid-id', 'a policy id is lower-case letters, digits, - and _ (at most 64)');
    const result = await compileSource(source, `policies/${id}.yaml`);
    if (!result.ok) throw new StoreError('invalid-policy', 'the policy has errors; nothing was saved', result.diagnostics);
    if (result.compiled.id !== id)
      throw new StoreError('invalid-policy', `the source says 'policy: ${result.compiled.id}' but is saved as '${id}'`, []);
    const revision = revisionOf(source);
    // Two first saves of a new policy race on its insert: the loser tries once more, and then
    // finds the winner's row (and needs If-Match, as for any existing policy). A pooled
    // connection that died with an earlier database process fails before anything is written:
    // tried once more too, on a new connection.
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.saveOnce(id, source, revision, opts).catch((e: unknown) => {
        if (attempt === 0 && ((e as { code?: string }).code === '23505' || e instanceof BrokenBeforeCommit))
          return 'again' as const;
        if (e instanceof BrokenBeforeCommit) throw e.answer;
        throw e;
      });
      if (outcome === 'again') continue;
      if (outcome === 'unchanged') {
        await this.reload(id);
        return { ...this.get(id), unchanged: true };
      }
      const entry: PolicyEntry = {
        id,
        file: `policies/${id}.yaml`,
        source,
        revision,
        diagnostics: result.diagnostics,
        serving: { source, revision, compiled: result.compiled },
      };
      // Served by this replica from the next request on; the others follow the notification.
      if ((this.seqs.get(id) ?? 0) < outcome.seq) {
        const before = this.entries.get(id);
        this.entries.set(id, entry);
        this.seqs.set(id, outcome.seq);
        if (before?.revision !== revision) this.changes.emit(id, revision);
      }
      return { ...entry, unchanged: false };
    }
  }

  private async saveOnce(
    id: string,
    source: string,
    revision: string,
    opts: SaveOptions,
  ): Promise<{ seq: number } | 'unchanged'> {
    const serving = this.entries.get(id)?.serving?.revision;
    const still = serving ? `revision ${serving} is still serving` : 'the policy is still not served';
    const client = await this.client(`nothing was saved and ${still}`);
    let committing = false;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const current = await client.query<{ revision: string }>('SELECT revision FROM spe_policies WHERE id = $1 FOR UPDATE', [
        id,
      ]);
      const currentRevision = current.rows[0]?.revision ?? null;
      if (currentRevision !== null && opts.ifMatch === undefined)
        throw new StoreError(
          'precondition-required',
          'send If-Match with the revision you edited, so no one else’s save is lost',
          {
            revision: currentRevision,
          },
        );
      if (opts.ifMatch !== undefined && opts.ifMatch !== currentRevision)
        throw new StoreError('stale-revision', 'the policy changed since you read it: reload, merge and save again', {
          yourRevision: opts.ifMatch,
          currentRevision,
        });
      if (currentRevision === revision) {
        await client.query('ROLLBACK');
        return 'unchanged';
      }
      await client.query('INSERT INTO spe_revisions (policy_id, revision, source) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        id,
        revision,
        source,
      ]);
      const savedAt = new Date();
      const { rows } = await client.query<{ seq: string }>(
        'INSERT INTO spe_history (policy_id, revision, author, saved_at, message) VALUES ($1, $2, $3, $4, $5) RETURNING seq',
        [id, revision, opts.author, savedAt, opts.message ?? null],
      );
      const seq = Number(rows[0]!.seq);
      if (currentRevision === null)
        await client.query('INSERT INTO spe_policies (id, revision, seq, saved_at) VALUES ($1, $2, $3, $4)', [
          id,
          revision,
          seq,
          savedAt,
        ]);
      else
        await client.query('UPDATE spe_policies SET revision = $2, seq = $3, saved_at = $4 WHERE id = $1', [
          id,
          revision,
          seq,
          savedAt,
        ]);
      await this.prune(client, id);
      // Delivered to every listener when (and only if) the transaction commits.
      await client.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ id, seq })]);
      committing = true;
      await client.query('COMMIT');
      return { seq };
    } catch (e) {
      if (!(e instanceof StoreError) && unreachable(e)) broken = e as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      if (e instanceof StoreError) throw e;
      if ((e as { code?: string }).code === '23505') throw e;
      if (broken && committing)
        throw new StoreError(
          'store-unavailable',
          `the connection to the policy database was lost while the save was committed (${why(e)}): read the policy to see whether it was saved`,
        );
      if (broken) throw new BrokenBeforeCommit(this.unavailable(e, `nothing was saved and ${still}`));
      throw e;
    } finally {
      client.release(broken);
    }
  }

  /** Keeps the newest `historyKeep` history entries of a policy, and the revisions they (or the policy) name. */
  private async prune(client: pg.PoolClient, id: string): Promise<void> {
    const keep = this.options.historyKeep;
    if (!keep || keep <= 0) return;
    await client.query(
      `DELETE FROM spe_history WHERE policy_id = $1 AND seq NOT IN
         (SELECT seq FROM spe_history WHERE policy_id = $1 ORDER BY seq DESC LIMIT $2)`,
      [id, keep],
    );
    await client.query(
      `DELETE FROM spe_revisions r WHERE r.policy_id = $1
         AND NOT EXISTS (SELECT 1 FROM spe_history h WHERE h.policy_id = r.policy_id AND h.revision = r.revision)
         AND NOT EXISTS (SELECT 1 FROM spe_policies p WHERE p.id = r.policy_id AND p.revision = r.revision)`,
      [id],
    );
  }

  async history(id: string, page: { limit?: number; before?: string } = {}): Promise<HistoryPage> {
    if (!POLICY_ID.test(id)) throw new StoreError('unknown-policy', `no policy '${id}'`);
    const limit = Math.min(page.limit ?? HISTORY_PAGE.default, HISTORY_PAGE.max);
    if (page.before !== undefined && !/^[1-9]\d{0,17}$/.test(page.before))
      throw new StoreError('invalid-cursor', `'${page.before}' is not a history cursor: pass the 'next' of the page before`);
    let rows: { seq: string; revision: string; author: string; saved_at: Date; message: string | null }[];
    try {
      ({ rows } = await this.pool.query(
        `SELECT seq, revision, author, saved_at, message FROM spe_history
          WHERE policy_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint) ORDER BY seq DESC LIMIT $3`,
        [id, page.before ?? null, limit + 1],
      ));
    } catch (e) {
      if (unreachable(e)) throw this.unavailable(e, 'the history cannot be read now');
      throw e;
    }
    if (rows.length === 0 && !this.entries.has(id)) throw new StoreError('unknown-policy', `no policy '${id}'`);
    const revisions: Revision[] = rows.slice(0, limit).map((r) => ({
      revision: r.revision,
      author: r.author,
      savedAt: r.saved_at.toISOString(),
      ...(r.message !== null ? { message: r.message } : {}),
    }));
    return { revisions, next: rows.length > limit ? rows[limit - 1]!.seq : null, skipped: [] };
  }

  async revisionSource(id: string, revision: string): Promise<string> {
    const unknown = () => new StoreError('unknown-revision', `no revision '${revision}' of policy '${id}'`);
    if (!POLICY_ID.test(id) || !/^sha256:[0-9a-f]{64}$/.test(revision)) throw unknown();
    const serving = this.entries.get(id)?.serving;
    if (serving?.revision === revision) return serving.source;
    try {
      const { rows } = await this.pool.query<{ source: string }>(
        'SELECT source FROM spe_revisions WHERE policy_id = $1 AND revision = $2',
        [id, revision],
      );
      if (!rows[0]) throw unknown();
      return rows[0].source;
    } catch (e) {
      if (!(e instanceof StoreError) && unreachable(e)) throw this.unavailable(e, 'the revision cannot be read now');
      throw e;
    }
  }

  async rollback(id: string, revision: string, opts: { ifMatch: string | undefined; author: string }): Promise<Saved> {
    const source = await this.revisionSource(id, revision);
    return this.save(id, source, { ...opts, message: `rollback to ${revision}` });
  }
}
