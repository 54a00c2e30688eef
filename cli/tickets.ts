// Reading tickets for `spe impact`, as a stream of chunks (never the whole file): JSON lines are
// passed on as text (the workers parse them), CSV records are turned into facts by a map file
// (helpdesk column → fact, with value maps and a date format).
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse';
import { Temporal } from 'temporal-polyfill';
import { parse as parseYaml } from 'yaml';
import type { FactDecl } from '../dsl/index.js';
import type { TicketInput } from '../engine/index.js';
import { UsageError } from './common.js';

/** A chunk of tickets: JSON lines from `firstLine` on, or tickets already read into facts. */
export type TicketChunk = { firstLine: number; text: string } | { items: TicketInput[] };

/** Chunks of about this many bytes of JSON lines, or records of CSV, go to a worker at a time. */
const CHUNK_BYTES = 256 * 1024;
const CHUNK_RECORDS = 1000;

export interface TicketSource {
  /** The input's size in bytes (for progress), or null for standard input. */
  size: number | null;
  /** Bytes read so far. */
  readonly bytesRead: () => number;
  chunks: AsyncIterable<TicketChunk>;
}

/** Opens the tickets: CSV when the file ends in .csv or a map is given, else JSON lines. */
export async function openTickets(path: string, map: TicketMap | null): Promise<TicketSource> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    if (path === '-') return resolve();
    input.once('error', (e: NodeJS.ErrnoException) => reject(new UsageError(`cannot read ${path}: ${e.code ?? e.message}`)));
    input.once('open', () => resolve());
  });
  const size = path === '-' ? null : statSync(path).size;
  const bytesRead = () => (input as { bytesRead?: number }).bytesRead ?? 0;
  if (map || path.toLowerCase().endsWith('.csv')) {
    const records = input.pipe(
      parseCsv({
        bom: true,
        relax_column_count: true,
        // Helpdesks write a quote inside an unquoted field ("5" screen) as it is.
        relax_quotes: true,
        skip_empty_lines: true,
        info: true,
        delimiter: map?.delimiter ?? ',',
      }),
    );
    const iterator = (records as AsyncIterable<{ record: string[]; info: { lines: number } }>)[Symbol.asyncIterator]();
    const first = await iterator.next().catch((e: Error) => {
      throw new UsageError(`${path} is not readable as CSV: ${e.message}`);
    });
    if (first.done) return { size, bytesRead, chunks: (async function* () {})() };
    const header = first.value.record.map((h) => h.trim());
    const toFacts = (map ?? identityMap(header)).reader(header, path);
    return { size, bytesRead, chunks: csvChunks(iterator, toFacts) };
  }
  input.setEncoding('utf8');
  return { size, bytesRead, chunks: jsonChunks(input as AsyncIterable<string>) };
}

async function* jsonChunks(input: AsyncIterable<string>): AsyncGenerator<TicketChunk> {
  let pending = '';
  let firstLine = 1;
  for await (const piece of input) {
    pending += piece;
    if (pending.length < CHUNK_BYTES) continue;
    const cut = pending.lastIndexOf('\n');
    if (cut < 0) continue;
    const text = pending.slice(0, cut + 1);
    pending = pending.slice(cut + 1);
    yield { firstLine, text };
    firstLine += countLines(text);
  }
  if (pending !== '') yield { firstLine, text: pending };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

async function* csvChunks(
  records: AsyncIterator<{ record: string[]; info: { lines: number } }>,
  toFacts: (row: string[]) => Record<string, unknown>,
): AsyncGenerator<TicketChunk> {
  let items: TicketInput[] = [];
  const next = () =>
    records.next().catch((e: Error & { lines?: number }) => {
      // A broken quote leaves the rest of the file unreadable: say where, as a usage error.
      throw new UsageError(`the CSV cannot be read past line ${e.lines ?? '?'}: ${e.message}`);
    });
  for (let r = await next(); !r.done; r = await next()) {
    items.push({ line: r.value.info.lines, facts: toFacts(r.value.record) });
    if (items.length >= CHUNK_RECORDS) {
      yield { items };
      items = [];
    }
  }
  if (items.length > 0) yield { items };
}

/** How one fact is read from a record. */
interface FactColumn {
  fact: string;
  type: FactDecl['type'];
  column?: string;
  /** A fact given the same value for every ticket. */
  value?: unknown;
  values?: Map<string, unknown>;
  format?: DateFormat;
  zone?: string;
}

/** A map file, checked against the policy's facts; checked against the header when reading starts. */
export interface TicketMap {
  file: string;
  delimiter: string;
  facts: FactColumn[];
  reader(header: string[], path: string): (row: string[]) => Record<string, unknown>;
}

const MAP_KEYS = new Set(['facts', 'dateFormat', 'zone', 'delimiter', 'description']);
const FACT_KEYS = new Set(['column', 'values', 'format', 'zone', 'value']);

/**
 * Reads a map file. Its mistakes (an unknown fact, a bad format or zone) are usage errors, found
 * before any ticket is read:
 *
 *     facts:
 *       tier: Plan                       # fact: column
 *       channel: { column: Via, values: { Phone: phone, Web form: web } }
 *       openedAt: { column: Created at, format: dd/MM/yyyy HH:mm }
 *       trial: { value: false }          # the same for every ticket
 *     dateFormat: yyyy-MM-dd HH:mm:ss    # default format of dates and datetimes
 *     zone: Europe/Rome                  # the zone of datetimes written without an offset
 */
export function readTicketMap(file: string, facts: readonly FactDecl[]): TicketMap {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the map ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const bad = (message: string) => new UsageError(`map ${file}: ${message}`);
  if (!isObject(doc) || !isObject(doc.facts)) throw bad("expected a mapping with 'facts:' (fact: column)");
  for (const key of Object.keys(doc))
    if (!MAP_KEYS.has(key)) throw bad(`unknown key '${key}' (known: ${[...MAP_KEYS].join(', ')})`);
  const zone = doc.zone === undefined ? undefined : checkZone(String(doc.zone), bad);
  const defaultFormat = doc.dateFormat === undefined ? undefined : dateFormat(String(doc.dateFormat), bad);
  const delimiter = doc.delimiter === undefined ? ',' : String(doc.delimiter);
  const byName = new Map(facts.map((f) => [f.name, f]));
  const columns: FactColumn[] = [];
  for (const [fact, spec] of Object.entries(doc.facts)) {
    const decl = byName.get(fact);
    if (!decl) throw bad(`'${fact}' is not a fact of the policy${suggest(fact, [...byName.keys()])}`);
    const entry: FactColumn = { fact, type: decl.type };
    if (typeof spec === 'string') entry.column = spec;
    else if (isObject(spec)) {
      for (const key of Object.keys(spec))
        if (!FACT_KEYS.has(key)) throw bad(`fact '${fact}': unknown key '${key}' (known: ${[...FACT_KEYS].join(', ')})`);
      if ('value' in spec) entry.value = spec.value;
      else if (typeof spec.column === 'string') entry.column = spec.column;
      else throw bad(`fact '${fact}': give its column (column: NAME) or a value for every ticket (value: …)`);
      if (spec.values !== undefined) {
        if (!isObject(spec.values)) throw bad(`fact '${fact}': values must map a column's text to the fact's value`);
        entry.values = new Map(Object.entries(spec.values).map(([k, v]) => [k.trim().toLowerCase(), v]));
      }
      if (spec.format !== undefined) entry.format = dateFormat(String(spec.format), bad);
      if (spec.zone !== undefined) entry.zone = checkZone(String(spec.zone), bad);
    } else throw bad(`fact '${fact}': expected a column name or { column, values, format }`);
    if ((decl.type === 'date' || decl.type === 'datetime') && !entry.format && defaultFormat) entry.format = defaultFormat;
    entry.zone ??= zone;
    columns.push(entry);
  }
  const map: TicketMap = {
    file,
    delimiter,
    facts: columns,
    reader: (header, path) => {
      const places = columns.map((c) => {
        if (c.column === undefined) return -1;
        const i = header.findIndex((h) => h === c.column);
        if (i < 0)
          throw bad(`column '${c.column}' (for fact '${c.fact}') is not in the header of ${path}${suggest(c.column, header)}`);
        return i;
      });
      return (row) => {
        const facts: Record<string, unknown> = {};
        columns.forEach((c, k) => {
          const value = c.column === undefined ? c.value : cellValue(c, row[places[k]!] ?? '');
          if (value !== undefined && value !== null) facts[c.fact] = value;
        });
        return facts;
      };
    },
  };
  return map;
}

/** Without a map, a CSV's columns are named as the facts they hold (values read by the facts' types are left as text). */
function identityMap(header: string[]): Pick<TicketMap, 'reader'> {
  return {
    reader: () => (row) => {
      const facts: Record<string, unknown> = {};
      header.forEach((h, i) => {
        const cell = row[i]?.trim() ?? '';
        if (cell === '') return;
        facts[h] = cell === 'true' ? true : cell === 'false' ? false : /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
      });
      return facts;
    },
  };
}

/** A cell as the fact's value: mapped, then converted by the fact's type; text that does not convert is passed on for the facts check to name. */
function cellValue(c: FactColumn, raw: string): unknown {
  const cell = raw.trim();
  if (c.values) {
    const key = cell.toLowerCase();
    if (c.values.has(key)) return c.values.get(key);
  }
  if (cell === '') return undefined;
  switch (c.type) {
    case 'integer':
    case 'number': {
      const n = Number(cell);
      return Number.isFinite(n) ? n : cell;
    }
    case 'boolean': {
      const b = cell.toLowerCase();
      if (['true', 'yes', 'y', '1', 'sì', 'si', 'sim'].includes(b)) return true;
      if (['false', 'no', 'n', '0', 'não', 'nao'].includes(b)) return false;
      return cell;
    }
    case 'date':
      return c.format ? (c.format.read(cell)?.toPlainDate().toString() ?? cell) : cell;
    case 'datetime': {
      const local = c.format ? c.format.read(cell) : null;
      if (local && c.zone) return local.toZonedDateTime(c.zone).toString({ timeZoneName: 'never', smallestUnit: 'second' });
      // ISO text without an offset is read in the map's zone.
      if (!c.format && c.zone && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?$/.test(cell))
        return Temporal.PlainDateTime.from(cell.replace(' ', 'T'))
          .toZonedDateTime(c.zone)
          .toString({ timeZoneName: 'never', smallestUnit: 'second' });
      return cell;
    }
    case 'intervals':
    case 'events':
      try {
        return JSON.parse(cell);
      } catch {
        return cell;
      }
    case 'enum':
    case 'string':
    case 'timezone':
      return cell;
    default: {
      const never: never = c.type;
      return never;
    }
  }
}

interface DateFormat {
  read(text: string): Temporal.PlainDateTime | null;
}

const TOKENS: Record<string, { re: string; part: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' }> = {
  yyyy: { re: '(\\d{4})', part: 'year' },
  MM: { re: '(\\d{2})', part: 'month' },
  M: { re: '(\\d{1,2})', part: 'month' },
  dd: { re: '(\\d{2})', part: 'day' },
  d: { re: '(\\d{1,2})', part: 'day' },
  HH: { re: '(\\d{2})', part: 'hour' },
  H: { re: '(\\d{1,2})', part: 'hour' },
  mm: { re: '(\\d{2})', part: 'minute' },
  ss: { re: '(\\d{2})', part: 'second' },
};

/** A date format of the tokens yyyy MM M dd d HH H mm ss; any other character stands for itself. */
function dateFormat(format: string, bad: (m: string) => Error): DateFormat {
  const parts: (typeof TOKENS)[string]['part'][] = [];
  let re = '';
  for (let i = 0; i < format.length;) {
    const token = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'M', 'd', 'H'].find((t) => format.startsWith(t, i));
    if (token) {
      re += TOKENS[token]!.re;
      parts.push(TOKENS[token]!.part);
      i += token.length;
    } else {
      re += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  for (const needed of ['year', 'month', 'day'] as const)
    if (!parts.includes(needed)) throw bad(`date format '${format}' has no ${needed} (use yyyy, MM and dd)`);
  const pattern = new RegExp(`^${re}$`);
  return {
    read(text) {
      const m = pattern.exec(text);
      if (!m) return null;
      const fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
      parts.forEach((p, i) => (fields[p] = Number(m[i + 1])));
      try {
        return Temporal.PlainDateTime.from(fields, { overflow: 'reject' });
      } catch {
        return null;
      }
    },
  };
}

function checkZone(zone: string, bad: (m: string) => Error): string {
  try {
    return Temporal.Now.zonedDateTimeISO(zone).timeZoneId;
  } catch {
    throw bad(`'${zone}' is not a time zone (an IANA name such as Europe/Rome)`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function suggest(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase();
  const near = known.find((k) => k.toLowerCase() === lower) ?? known.find((k) => distance(k.toLowerCase(), lower) <= 2);
  return near ? ` — did you mean '${near}'?` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}
