// The one cache of the engine: least recently used, never more entries nor more estimated bytes
// than its bounds, and all the caches together within one overall budget.
import { describe, expect, it } from 'vitest';
import { CACHE_BUDGET_BYTES, cacheFigures, unbudgetedCache } from '../../dsl/index.js';

const cache = (max: number, maxBytes: number) =>
  unbudgetedCache<number, string>({ name: 'test', max, maxBytes, bytesOf: (v) => v.length });

describe('bounded cache', () => {
  it('never holds more entries than its count, however many are set', () => {
    const c = cache(100, 1_000_000);
    for (let i = 0; i < 10_000; i++) c.set(i, 'x');
    expect(c.figures().entries).toBeLessThanOrEqual(100);
    expect(c.get(9_999)).toBe('x');
    expect(c.get(0)).toBeUndefined();
  });

  it('never holds more estimated bytes than its budget, and keeps no entry larger than half of it', () => {
    const c = cache(1_000_000, 1_000);
    for (let i = 0; i < 10_000; i++) c.set(i, 'y'.repeat(37));
    expect(c.figures().bytes).toBeLessThanOrEqual(1_000);
    c.set(-1, 'z'.repeat(501));
    expect(c.get(-1)).toBeUndefined();
    c.set(-2, 'z'.repeat(500));
    expect(c.get(-2)).toBe('z'.repeat(500));
  });

  it('keeps what is used and lets go of what is not (least recently used first)', () => {
    const c = cache(10, 1_000_000);
    for (let i = 0; i < 5; i++) c.set(i, 'v');
    for (let round = 0; round < 20; round++) {
      // 0 is read every round; 100 + round is new every round.
      expect(c.get(0)).toBe('v');
      c.set(100 + round, 'w');
    }
    expect(c.get(0)).toBe('v');
    expect(c.get(1)).toBeUndefined();
    expect(c.get(119)).toBe('w');
  });

  it('a valid look-up after delete and clear finds nothing', () => {
    const c = cache(10, 100);
    c.set(1, 'a');
    c.set(2, 'b');
    c.delete(1);
    expect(c.get(1)).toBeUndefined();
    expect(c.get(2)).toBe('b');
    c.clear();
    expect(c.get(2)).toBeUndefined();
    expect(c.figures()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('the engine’s caches promise no more than the overall budget together', async () => {
    // Loading the engine makes its caches.
    await import('../../engine/index.js');
    const figures = cacheFigures();
    expect(figures.map((f) => f.name)).toEqual(
      expect.arrayContaining(['zone offset pieces by day', 'business intervals by day', 'zones', 'zone names']),
    );
    expect(figures.reduce((sum, f) => sum + f.maxBytes, 0)).toBeLessThanOrEqual(CACHE_BUDGET_BYTES);
  });
});
