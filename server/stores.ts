// What the service needs of a policy store, whichever holds the policies: the folder
// (`PolicyStore`, store.ts: Git is the source of truth) or PostgreSQL (`PgStore`, pg-store.ts:
// replicas share one database). Both pass the same contract suite (test/server/store-contract.test.ts).
import type { Diagnostic } from '../dsl/index.js';
import type { CompiledPolicy } from '../engine/index.js';
import type { HistoryPage } from './history.js';
import { POLICY_ID, StoreError } from './store-error.js';

export interface PolicyEntry {
  id: string;
  /** Where the policy lives, as diagnostics name it (`policies/<id>.yaml`). */
  file: string;
  /** What the store holds now. */
  source: string;
  revision: string;
  diagnostics: Diagnostic[];
  /** The revision being served: the stored one, or the last good one when the stored one is invalid. */
  serving: { source: string; revision: string; compiled: CompiledPolicy } | null;
}

/** A policy not served as it is stored, and why. */
export interface DegradedPolicy {
  id: string;
  serving: string | null;
  diagnostics: Diagnostic[];
  reason: string;
  unreadable?: string;
  missing?: true;
  misnamed?: string;
}

export interface StoreHealth {
  ok: boolean;
  degraded: DegradedPolicy[];
  /** The store itself cannot be reached (the database is down): the last revisions loaded keep serving. */
  store?: { reason: string; since: string };
}

export interface SaveOptions {
  /** The revision the writer edited; an existing policy needs one. */
  ifMatch: string | undefined;
  author: string;
  message?: string;
}

export type Saved = PolicyEntry & { unchanged: boolean };

/** A policy's text changed as this process serves it: saved here, or reloaded (a save elsewhere, a checkout). */
export type ChangeListener = (change: { id: string; revision: string }) => void;

/** The listeners of a store's changes; a listener's failure (a closed connection) is its own. */
export class ChangeListeners {
  private readonly listeners = new Set<ChangeListener>();

  add(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(id: string, revision: string): void {
    for (const listener of this.listeners) {
      try {
        listener({ id, revision });
      } catch {
        /* the change stands */
      }
    }
  }
}

export interface Store {
  /** `folder` or `postgres`, for the log and /healthz. */
  readonly kind: 'folder' | 'postgres';
  /** Where the policies are, for the operator (a folder, or the database URL without its password). */
  readonly where: string;
  /** Loads every policy; rejects when the store cannot be read at all. */
  load(): Promise<void>;
  /** Follows changes made elsewhere (the folder's files, other replicas' saves). */
  watch(options?: { events?: boolean; pollMs?: number }): void;
  close(): Promise<void>;
  /** Reads one policy again from where it is stored. Never rejects. */
  reload(id: string): Promise<void>;
  list(): PolicyEntry[];
  get(id: string): PolicyEntry;
  /** The compiled policy to evaluate with: never touches the storage. */
  compiled(id: string): CompiledPolicy;
  health(): StoreHealth;
  /**
   * Saves a new source, validated first. `ifMatch` must be the stored revision: of two writers
   * with the same base exactly one wins. Saving the revision already stored is `unchanged`.
   */
  save(id: string, source: string, opts: SaveOptions): Promise<Saved>;
  history(id: string, page?: { limit?: number; before?: string }): Promise<HistoryPage>;
  revisionSource(id: string, revision: string): Promise<string>;
  rollback(id: string, revision: string, opts: { ifMatch: string | undefined; author: string }): Promise<Saved>;
  /** Calls `listener` whenever a policy's served text changes here; returns the function that stops it. */
  onChange(listener: ChangeListener): () => void;
}

/** The policies a store serves, by id: what both stores answer reads from. */
export class ServedPolicies {
  readonly entries = new Map<string, PolicyEntry>();

  list(): PolicyEntry[] {
    return [...this.entries.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): PolicyEntry {
    const entry = POLICY_ID.test(id) ? this.entries.get(id) : undefined;
    if (!entry) throw new StoreError('unknown-policy', `no policy '${id}'`);
    return entry;
  }

  /** The compiled policy to evaluate with (the last good revision when the text is invalid). */
  compiled(id: string): CompiledPolicy {
    const entry = this.get(id);
    if (!entry.serving)
      throw new StoreError('invalid-policy', `policy '${id}' has errors and no earlier revision to serve`, entry.diagnostics);
    return entry.serving.compiled;
  }
}
