// The holiday data the validator checks calendars against. `date-holidays` is large, so it is
// loaded on demand (dynamic import works in Node and in the editor's bundle alike).
import { BYTES, boundedCache } from './bounded-cache.js';

export interface HolidayCatalog {
  /** Country code → name. */
  countries(): Record<string, string>;
  /** Region code → name, for a known country. */
  regions(country: string): Record<string, string>;
  /**
   * The local dates a region's holidays of the given types close in a year, each with the
   * minute of the day the closure starts (0 for the whole day; some holidays start at 14:00).
   */
  closures(country: string, region: string | undefined, types: readonly string[], year: number): Map<string, number>;
  /** The names of the holidays of `closures`, by local date (in English; two on one date joined by ' / '). */
  names(country: string, region: string | undefined, types: readonly string[], year: number): Map<string, string>;
}

/** A region's holidays of a year: the closures the clock reads, and their names for pictures of it. */
interface HolidayYear {
  closures: Map<string, number>;
  names: Map<string, string>;
}

let catalog: Promise<HolidayCatalog> | undefined;

export function loadHolidayCatalog(): Promise<HolidayCatalog> {
  catalog ??= import('date-holidays').then(({ default: Holidays }) => {
    const h = new Holidays();
    // Both bounded: /v1/try compiles calendars a caller writes, with any country and region.
    const regions = boundedCache<string, InstanceType<typeof Holidays>>({
      name: 'holiday rules by region',
      max: 32,
      // A country's parsed rules: a few hundred kilobytes at most.
      maxBytes: 8 * 1024 * 1024,
      bytesOf: () => 256 * 1024,
    });
    const years = boundedCache<string, HolidayYear>({
      name: 'holiday closures by year',
      max: 4096,
      maxBytes: 4 * 1024 * 1024,
      bytesOf: (year, key) =>
        BYTES.object +
        BYTES.string(key) +
        year.closures.size * (BYTES.object + BYTES.string('2026-01-01')) +
        [...year.names.values()].reduce((n, name) => n + BYTES.object + BYTES.string(name), 0),
    });
    const yearOf = (country: string, region: string | undefined, types: readonly string[], year: number): HolidayYear => {
      const regionKey = `${country}|${region ?? ''}|${[...types].sort().join(',')}`;
      const key = `${regionKey}|${year}`;
      let found = years.get(key);
      if (found) return found;
      let data = regions.get(regionKey);
      if (!data) {
        // Names in English, as the rest of what the service writes.
        const opts = { types: [...types] as never, languages: ['en'] };
        data = region ? new Holidays(country, region, opts) : new Holidays(country, opts);
        regions.set(regionKey, data);
      }
      found = { closures: new Map(), names: new Map() };
      for (const holiday of data.getHolidays(year) || []) {
        const date = holiday.date.slice(0, 10);
        const startMinute = Number(holiday.date.slice(11, 13)) * 60 + Number(holiday.date.slice(14, 16));
        const length = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / 86_400_000));
        // A holiday lasting several days closes each of them; a partial first day closes from its start.
        for (let i = 0; i < length; i++) {
          const d = new Date(`${date}T00:00:00Z`);
          d.setUTCDate(d.getUTCDate() + i);
          const day = d.toISOString().slice(0, 10);
          const from = i === 0 ? startMinute : 0;
          found.closures.set(day, Math.min(found.closures.get(day) ?? 1440, from));
          const named = found.names.get(day);
          if (named === undefined) found.names.set(day, holiday.name);
          else if (!named.split(' / ').includes(holiday.name)) found.names.set(day, `${named} / ${holiday.name}`);
        }
      }
      years.set(key, found);
      return found;
    };
    return {
      countries: () => h.getCountries('en') ?? {},
      regions: (country: string) => h.getStates(country, 'en') ?? {},
      closures: (country, region, types, year) => yearOf(country, region, types, year).closures,
      names: (country, region, types, year) => yearOf(country, region, types, year).names,
    };
  });
  return catalog;
}

/**
 * Whether a source mentions holidays at all, so callers can skip loading the data when it does not
 * (block style `holidays:` or flow style `{ …, holidays: { … } }`; a mention in a comment only loads it).
 */
export function mentionsHolidays(text: string): boolean {
  return /(^|[\s{,])holidays\s*:/m.test(text);
}

/** The holiday data a source needs: loaded (once) when it names holidays, else none. */
export async function holidaysFor(text: string): Promise<HolidayCatalog | undefined> {
  return mentionsHolidays(text) ? loadHolidayCatalog() : undefined;
}
