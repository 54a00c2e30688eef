// lsp/analysis.ts on texts written here: the YAML path at a position (from indentation, so a line
// being typed still has one), hovers, definitions and completions by context.
import { describe, expect, it } from 'vitest';
import { PolicyIndex, yamlPathAt } from '../../lsp/analysis.js';

const TEXT = `policy: p
facts:
  tier: { type: enum, values: [basic, gold] }
  openedAt: { type: datetime, description: When the ticket was opened. }
derived:
  start: startOfYear(openedAt)
priorities: [P1, P2]
calendars:
  office: { timezone: Europe/Rome, hours: mon-fri 09:00-18:00 }
eligibility:
  - deny: no-basic
    when: tier == "basic"
sla:
  gold: &gold
    calendar: office
    P1: { response: 1 hour }
  basic: *gold
`;
const index = new PolicyIndex(TEXT);
const at = (text: string, plus = 0) => TEXT.indexOf(text) + plus;

describe('yamlPathAt', () => {
  it('reads the path from indentation, list items included', () => {
    expect(yamlPathAt(TEXT, at('tier: {'))).toEqual(['facts']);
    expect(yamlPathAt(TEXT, at('when: tier'))).toEqual(['eligibility', '[]']);
    expect(yamlPathAt(TEXT, at('deny: no-basic'))).toEqual(['eligibility', '[]']);
    expect(yamlPathAt(TEXT, at('calendar: office'))).toEqual(['sla', 'gold']);
    expect(yamlPathAt(TEXT, at('policy'))).toEqual([]);
  });

  it('reads a line still being typed', () => {
    const typing = 'tiers:\n  lev';
    expect(yamlPathAt(typing, typing.length)).toEqual(['tiers']);
    const item = 'tests:\n  - name: a\n    fa';
    expect(yamlPathAt(item, item.length)).toEqual(['tests', '[]']);
  });
});

describe('PolicyIndex', () => {
  it('hovers a section key with what the section is for, and a fact with its declaration', () => {
    expect(index.hover(at('calendars:', 2))?.doc).toContain('Business calendars by name');
    const hover = index.hover(at('openedAt)', 3));
    expect(hover?.doc).toContain('**openedAt** — fact, `datetime`');
    expect(hover?.doc).toContain('When the ticket was opened.');
    expect(index.hover(at('startOfYear', 3))?.doc).toContain('`startOfYear(d, zone?)`');
    expect(index.hover(at('when: tier == "basic"', 13))).toBeUndefined();
  });

  it('goes from an alias to its anchor, and from a calendar name to its declaration', () => {
    expect(index.definition(at('*gold', 2)).map((d) => [d.kind, d.start])).toEqual([['anchor', at('&gold', 1)]]);
    expect(index.definition(at('calendar: office', 12)).map((d) => [d.kind, d.start])).toEqual([['calendar', at('office:')]]);
  });

  it('completes by context: calendars after calendar:, facts and functions in a derived fact, nothing in a comment', () => {
    const withCursor = (text: string) => new PolicyIndex(text).complete(text.length).map((c) => c.label);
    expect(withCursor(`${TEXT}    calendar: `)).toEqual(['office']);
    const derived = withCursor(
      `${TEXT.replace('derived:\n', 'derived:\n  end: ')}`.slice(0, TEXT.indexOf('derived:\n') + 'derived:\n  end: '.length),
    );
    expect(derived).toContain('tier');
    expect(derived).toContain('addMonths');
    expect(derived).toContain('if');
    expect(withCursor(`${TEXT}# a comment `)).toEqual([]);
    // The schema's fact types, and what earlier stages decided.
    expect(withCursor('facts:\n  x:\n    type: ')).toEqual([
      'string',
      'number',
      'integer',
      'boolean',
      'date',
      'datetime',
      'enum',
      'timezone',
      'intervals',
      'events',
    ]);
    expect(withCursor('entitlements:\n  - id: a\n    when: decision.')).toEqual(['tier', 'priority', 'channels']);
  });
});
