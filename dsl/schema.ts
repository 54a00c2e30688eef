// The JSON Schema of a policy file's structure. ajv checks it (load.ts); editors use it for
// completion (`spe schema` prints it). Expressions inside are plain strings here: the expression
// parser checks them. Each `description` is also what error messages call the expected value.

const name = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: "a name like 'premium' or 'P1'" };
// `__proto__` is refused: facts are validated as a JSON object, where that key is not a plain name.
const factName = {
  type: 'string',
  pattern: '^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$',
  description: "a fact name like 'openedAt'",
};
const expression = { type: 'string', minLength: 1, description: 'an expression like \'if trial then "premium" else tier\'' };
/** Conditions may also be a bare YAML `true` or `false`. */
const condition = { type: ['string', 'boolean'], minLength: 1, description: `a condition like 'tier == "premium" or trial'` };
const duration = { type: 'string', minLength: 1, description: "a duration like '15 minutes' or '3 business days'" };
const percent = { type: 'string', minLength: 1, description: "a percentage like '22%'" };
const money = { type: 'string', minLength: 1, description: "an amount like '112.00 EUR'" };
const rate = { type: 'string', description: "a rate like '75.00 EUR per hour'" };
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a date like 2024-01-31' };
const text = { type: 'string', description: 'text' };
const names = { type: 'array', items: name, minItems: 1, description: 'a list of names' };

const rule = (fields: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties: { when: condition, note: text, ...fields },
  required,
  additionalProperties: false,
});

/** A calendar's name, or an expression over enum facts whose every value names one (`region`). */
const calendarRef = {
  type: 'string',
  minLength: 1,
  description: "a calendar's name, or an expression over enum facts that gives one, like 'region'",
};

const slaCellFields = { response: duration, resolution: duration, calendar: calendarRef, note: text };

/** A target of a window the policy declares (`update: 4 hours`); a key naming none is reported by the checker. */
const windowTarget = { ...duration, description: "a target of a window declared under windows:, like '4 hours'" };

/** A target cell: fixed targets, `best-effort`, or an ordered list of rules (first match wins). */
const slaCell = {
  type: ['object', 'array', 'string'],
  description: "targets like '{ response: 1 hour }', a list of rules, or 'best-effort'",
  if: { type: 'string' },
  then: { const: 'best-effort' },
  properties: slaCellFields,
  additionalProperties: windowTarget,
  items: {
    type: 'object',
    properties: { when: condition, id: name, ...slaCellFields },
    additionalProperties: windowTarget,
  },
};

const eventTypes = {
  type: 'array',
  items: { type: 'string', minLength: 1, description: "an event type like 'agent-reply'" },
  description: "ticket event types, like [agent-reply, customer-reply]; built in: opened, responded, resolved",
};

export const policySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://support-policy-engine.dev/schema/policy.json',
  title: 'support-policy-engine policy',
  type: 'object',
  required: ['policy', 'title', 'version', 'effective', 'facts', 'priorities'],
  additionalProperties: false,
  properties: {
    policy: { ...name, description: "the policy id, like 'zmanda'" },
    title: text,
    version: { type: ['string', 'number'], description: "a version like '2024.1'" },
    effective: date,
    description: text,
    definitions: {
      type: 'object',
      description:
        'reusable blocks, written once with a YAML anchor (&name) and used elsewhere with an alias (*name) or a merge key (<<: *name); the engine ignores this section',
    },
    zone: {
      type: 'string',
      description: "the policy's IANA time zone, like 'Europe/Rome': where an instant becomes a date",
    },
    zoneFact: {
      ...factName,
      description: "the fact of type timezone (or a derived fact giving zone names) that holds the policy's zone",
    },
    facts: {
      type: 'object',
      description: 'the facts a ticket gives, by name',
      propertyNames: factName,
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: {
          type: {
            enum: ['string', 'number', 'integer', 'boolean', 'date', 'datetime', 'enum', 'timezone', 'intervals', 'events'],
            description: 'a fact type',
          },
          values: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true, description: 'the allowed values' },
          default: { description: 'the value used when the fact is not given' },
          required: { type: 'boolean', description: 'true or false' },
          min: { type: 'number', description: 'the least value of a number or integer fact' },
          max: { type: 'number', description: 'the greatest value of a number or integer fact' },
          description: text,
        },
        if: { properties: { type: { const: 'enum' } }, required: ['type'] },
        then: { required: ['values'] },
      },
    },
    assert: {
      type: 'array',
      description: 'conditions every request must meet; a request that fails one is refused, not decided',
      items: {
        type: 'object',
        required: ['code', 'check', 'message'],
        additionalProperties: false,
        properties: {
          code: name,
          check: condition,
          message: { type: 'string', minLength: 1, description: 'what is wrong with the request' },
          note: text,
        },
      },
    },
    derived: {
      type: 'object',
      description: 'facts computed from other facts, by name',
      propertyNames: factName,
      additionalProperties: condition,
    },
    priorities: { ...names, description: 'the priority levels, most urgent first' },
    tiers: {
      type: 'object',
      required: ['levels'],
      additionalProperties: false,
      properties: {
        levels: { ...names, description: 'the tiers, lowest first' },
        of: { ...expression, description: "the expression that gives a ticket's tier, like 'tier'" },
        slaOf: {
          ...expression,
          description: "the tier whose SLA targets a ticket gets, when not its own tier (like 'slaTier'); default: its tier",
        },
      },
    },
    calendars: {
      type: 'object',
      description: 'business calendars, by name',
      propertyNames: name,
      additionalProperties: {
        type: 'object',
        required: ['hours'],
        additionalProperties: false,
        properties: {
          timezone: { type: 'string', description: "an IANA time zone like 'Europe/Rome'" },
          timezoneFact: { ...factName, description: 'the fact, declared or derived, that holds the time zone' },
          hours: {
            type: ['string', 'array'],
            items: { type: 'string' },
            description: "weekly hours like 'mon-fri 09:00-13:00, 14:00-18:00' or '24x7'",
          },
          holidays: {
            type: 'object',
            required: ['country'],
            additionalProperties: false,
            properties: {
              country: { type: 'string', pattern: '^[A-Z]{2}$', description: "a country code like 'IT'" },
              region: { type: 'string', description: "a region code like 'RS'" },
              countryFact: {
                ...factName,
                description: "the enum fact whose value is the customer's country code; `country` applies when it is not given",
              },
              regionFact: {
                ...factName,
                description: "the enum fact whose value is the customer's region code; `region` applies when it is not given",
              },
              types: {
                type: 'array',
                items: { enum: ['public', 'bank', 'school', 'optional', 'observance'], description: 'a holiday type' },
                description: 'the holiday types that close the calendar',
              },
            },
          },
          closed: { type: 'array', items: date, description: 'a list of dates' },
          open: {
            type: 'array',
            description: 'a list of extra open days',
            items: {
              type: 'object',
              required: ['date', 'hours'],
              additionalProperties: false,
              properties: { date, hours: { type: 'string', description: "hours like '09:00-13:00'" } },
            },
          },
        },
      },
    },
    windows: {
      type: 'object',
      description: 'SLA windows besides response and resolution, by name: the events that start, stop, pause and end each',
      propertyNames: name,
      additionalProperties: {
        type: 'object',
        required: ['stop'],
        additionalProperties: false,
        properties: {
          start: { ...eventTypes, description: 'the events that start the clock (default: [opened])' },
          stop: { ...eventTypes, description: 'the events that stop the clock: the target is met if one comes in time' },
          pause: { ...eventTypes, description: 'the events that pause the clock' },
          resume: { ...eventTypes, description: 'the events that resume a paused clock' },
          end: { ...eventTypes, description: 'the events after which the clock never starts again (default: [resolved])' },
          repeat: { type: 'boolean', description: 'true: the clock starts again at each start event after a stop' },
          description: text,
        },
      },
    },
    eligibility: {
      type: 'array',
      description: 'deny rules: a ticket is not eligible when one matches',
      items: rule({ deny: name, message: text }, ['deny', 'when']),
    },
    channels: {
      type: 'object',
      required: ['fact'],
      additionalProperties: false,
      properties: {
        fact: factName,
        byTier: { type: 'object', propertyNames: name, additionalProperties: { type: 'array', items: { type: 'string' } } },
        rules: { type: 'array', items: rule({ id: name, allow: { type: 'array', items: { type: 'string' } } }, ['allow']) },
        deny: { type: 'object', additionalProperties: false, properties: { code: name, message: text } },
      },
    },
    priority: {
      type: 'object',
      additionalProperties: false,
      properties: {
        override: { ...factName, description: "the fact with the customer's requested priority" },
        rules: { type: 'array', items: rule({ id: name, priority: name }, ['when', 'priority']) },
        lookup: {
          type: 'object',
          required: ['fact', 'table'],
          additionalProperties: false,
          properties: { fact: factName, table: { type: 'object', additionalProperties: name } },
        },
        matrix: {
          type: 'object',
          required: ['rows', 'columns', 'cells'],
          additionalProperties: false,
          properties: {
            rows: factName,
            columns: factName,
            cells: { type: 'object', additionalProperties: { type: 'object', additionalProperties: name } },
          },
        },
        from: { ...factName, description: 'the fact that holds the priority' },
        default: name,
      },
    },
    sla: {
      type: 'object',
      description: 'targets per tier and priority',
      propertyNames: name,
      additionalProperties: {
        type: ['object', 'string'],
        description: "targets per priority, or 'best-effort'",
        if: { type: 'string' },
        then: { const: 'best-effort' },
        properties: {
          calendar: calendarRef,
          note: text,
          others: { const: 'best-effort', description: "'best-effort': no SLA for the priorities the tier does not list" },
        },
        additionalProperties: slaCell,
      },
    },
    billing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        currencies: {
          type: 'object',
          description: 'currencies of the policy with their minor digits',
          additionalProperties: { type: 'integer', minimum: 0, maximum: 6, description: 'a number of digits' },
        },
        worked: { ...factName, description: 'the fact with the minutes worked' },
        plans: {
          type: 'array',
          items: rule(
            {
              id: name,
              rate,
              minimum: duration,
              increment: duration,
              tax: percent,
              balance: factName,
            },
            ['id', 'rate'],
          ),
        },
        priceList: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            required: ['price'],
            additionalProperties: false,
            properties: { credits: money, price: money, tax: percent, note: text },
          },
        },
        purchase: {
          type: 'object',
          required: ['sku'],
          additionalProperties: false,
          properties: { sku: factName, quantity: factName },
        },
        notices: {
          type: 'array',
          description: 'notices on the bill, each shown when its condition holds',
          items: rule({ id: name, message: text }, ['id', 'message']),
        },
      },
    },
    entitlements: { type: 'array', items: rule({ id: name, message: text }, ['id']) },
    actions: { type: 'array', items: rule({ id: name, message: text }, ['id']) },
    tests: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'facts', 'expect'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, description: 'a test name' },
          facts: { type: 'object', description: 'facts by name' },
          // Strict: a time the clock cannot read (hour 25, month 13) must be a diagnostic, not a crash.
          now: {
            type: 'string',
            pattern:
              '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,9})?)?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$',
            description: 'a date and time with its offset, like 2026-03-09T09:00:00+01:00',
          },
          expect: { type: 'object', description: 'expected decision fields' },
        },
      },
    },
  },
} as const;

/** The schemas of the literals `spe fmt` writes in one spelling, found by identity in the schema above. */
export const literalSchemas = { duration, money, rate } as const;
