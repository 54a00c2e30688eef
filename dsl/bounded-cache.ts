// The one kind of cache the engine keeps between decisions: least recently used, bounded by a
// count of entries and by an estimate of the bytes they hold. Every cache takes its byte budget
// out of one overall budget, so what all of them can hold together is fixed whatever requests
// arrive.
//
// Recency is kept in two generations (two Maps), not a list: an entry read or written goes into
// the young one; when the young one reaches half the bounds it becomes the old one and the old
// one is dropped. A hit is one Map look-up, which matters on the clock's hot path (lru-cache's
// bookkeeping cost more than the business days it kept). Entries not used for a whole
// generation go first, as in an LRU; each generation holds at most half the entries and half
// the bytes, so the cache never holds more than its bounds.

/** What all caches made here may hold together, in estimated bytes. */
export const CACHE_BUDGET_BYTES = 96 * 1024 * 1024;

export interface CacheLimits<K, V> {
  /** Names the cache in figures and errors. */
  name: string;
  /** Most entries. */
  max: number;
  /** Most estimated bytes, taken out of CACHE_BUDGET_BYTES. */
  maxBytes: number;
  /** The estimated bytes of an entry (an overestimate is fine; never 0). */
  bytesOf: (value: V, key: K) => number;
}

export interface CacheFigures {
  name: string;
  entries: number;
  bytes: number;
  max: number;
  maxBytes: number;
}

export interface BoundedCache<K extends {}, V extends {}> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  delete(key: K): void;
  clear(): void;
  figures(): CacheFigures;
}

const made: BoundedCache<{}, {}>[] = [];
let promised = 0;

/**
 * A cache bounded by count and bytes. Throws (a bug in our code) when the caches made so far
 * would promise more than the overall budget: caches are made at module load, so this fails
 * every test at once rather than a server in production.
 */
export function boundedCache<K extends {}, V extends {}>(limits: CacheLimits<K, V>): BoundedCache<K, V> {
  if (promised + limits.maxBytes > CACHE_BUDGET_BYTES)
    throw new Error(`cache ${limits.name}: ${limits.maxBytes} bytes would pass the overall budget of ${CACHE_BUDGET_BYTES}`);
  promised += limits.maxBytes;
  return unbudgetedCache(limits, true);
}

/**
 * A cache with its own bounds, outside the overall budget: for tests of the bounds themselves,
 * and for caches made per object (their owner's own limit applies). `listed` adds it to the
 * figures of cacheFigures().
 */
export function unbudgetedCache<K extends {}, V extends {}>(limits: CacheLimits<K, V>, listed = false): BoundedCache<K, V> {
  const cache = new TwoGenerations(limits);
  if (listed) made.push(cache as unknown as BoundedCache<{}, {}>);
  return cache;
}

class TwoGenerations<K extends {}, V extends {}> implements BoundedCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private youngBytes = 0;
  private oldBytes = 0;
  private readonly halfCount: number;
  private readonly halfBytes: number;

  constructor(private readonly limits: CacheLimits<K, V>) {
    this.halfCount = Math.max(1, Math.floor(limits.max / 2));
    this.halfBytes = Math.max(1, Math.floor(limits.maxBytes / 2));
  }

  get(key: K): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: K, value: V): void {
    const bytes = Math.max(1, Math.ceil(this.limits.bytesOf(value, key)));
    // An entry larger than a generation's share is not kept: it would evict everything else.
    if (bytes > this.halfBytes) return;
    const before = this.young.get(key);
    if (before !== undefined) this.youngBytes -= Math.max(1, Math.ceil(this.limits.bytesOf(before, key)));
    else if (this.young.size >= this.halfCount || this.youngBytes + bytes > this.halfBytes) {
      this.old = this.young;
      this.oldBytes = this.youngBytes;
      this.young = new Map();
      this.youngBytes = 0;
    }
    this.young.set(key, value);
    this.youngBytes += bytes;
  }

  delete(key: K): void {
    const y = this.young.get(key);
    if (y !== undefined) {
      this.youngBytes -= Math.max(1, Math.ceil(this.limits.bytesOf(y, key)));
      this.young.delete(key);
    }
    const o = this.old.get(key);
    if (o !== undefined) {
      this.oldBytes -= Math.max(1, Math.ceil(this.limits.bytesOf(o, key)));
      this.old.delete(key);
    }
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
    this.youngBytes = this.oldBytes = 0;
  }

  figures(): CacheFigures {
    let entries = this.young.size;
    for (const k of this.old.keys()) if (!this.young.has(k)) entries++;
    return {
      name: this.limits.name,
      entries,
      bytes: this.youngBytes + this.oldBytes,
      max: this.limits.max,
      maxBytes: this.limits.maxBytes,
    };
  }
}

/** Entries and estimated bytes of every budgeted cache, for metrics and tests. */
export function cacheFigures(): CacheFigures[] {
  return made.map((c) => c.figures());
}

/** Rough sizes for estimates: a small object, an array slot, a string of n characters. */
export const BYTES = {
  object: 64,
  slot: 8,
  string: (s: string) => 40 + 2 * s.length,
} as const;
