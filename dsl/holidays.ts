// The holiday data the validator checks calendars against. `date-holidays` is large, so it is
// loaded on demand (dynamic import works in Node and in the editor's bundle alike).

export interface HolidayCatalog {
  /** Country code → name. */
  countries(): Record<string, string>;
  /** Region code → name, for a known country. */
  regions(country: string): Record<string, string>;
}

let catalog: Promise<HolidayCatalog> | undefined;

export function loadHolidayCatalog(): Promise<HolidayCatalog> {
  catalog ??= import('date-holidays').then(({ default: Holidays }) => {
    const h = new Holidays();
    return {
      countries: () => h.getCountries('en') ?? {},
      regions: (country: string) => h.getStates(country, 'en') ?? {},
    };
  });
  return catalog;
}

/** Whether a source mentions holidays at all, so callers can skip loading the data when it does not. */
export function mentionsHolidays(text: string): boolean {
  return /^\s*holidays\s*:/m.test(text);
}
