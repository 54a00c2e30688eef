// The oracles' own reading of a zone's offset: from Intl, independent of the engine's Temporal
// offsets. Shared by the clock oracle and the declared windows' oracle.

const MIN = 60_000;
const BLOCK = 15 * MIN;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

/** The zone's offset during the 15-minute block holding `ms`, read from Intl (offsets change only on such blocks). */
export function offsetOf(zone: string, ms: number): number {
  const block = Math.floor(ms / BLOCK) * BLOCK;
  const key = `${zone}|${block}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    let f = formatters.get(zone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      });
      formatters.set(zone, f);
    }
    const p = Object.fromEntries(f.formatToParts(block).map((x) => [x.type, x.value]));
    offset = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute)) - block;
    offsets.set(key, offset);
  }
  return offset;
}
