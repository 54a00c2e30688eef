// The try-it facts as a small monaco JSON editor, checked against the facts the policy declares
// as the text is now (names, types, enum values, required facts) with completion of fact names
// and values from the same schema.
import { jsonDefaults, monaco } from './monaco';
import type { Outline } from './outline';
import { THEME } from './language';

const MODEL_URI = 'inmemory://spe/try/facts.json';
const SCHEMA_URI = 'inmemory://spe/try/facts.schema.json';

/** The JSON Schema of a ticket's facts for the policy's outline. */
export function factsSchema(outline: Outline): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const f of outline.facts.values()) {
    const described = f.description ? { description: f.description } : {};
    // null: a fact given as not known (the decision may then be undetermined).
    properties[f.name] = { anyOf: [typeFor(f.type, f.values), { type: 'null' }], ...described };
    if (f.required && f.default === undefined) required.push(f.name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

function typeFor(type: string, values: string[]): Record<string, unknown> {
  switch (type) {
    case 'enum':
      return { enum: values };
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer' };
    case 'number':
    case 'decimal':
    case 'money':
    case 'duration':
      return { type: ['number', 'string'] };
    case 'date':
      return { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', patternErrorMessage: 'a date, like 2026-03-09' };
    case 'datetime':
      return {
        type: 'string',
        pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$',
        patternErrorMessage: 'a date and time with its offset, like 2026-03-09T10:00:00+01:00',
      };
    case 'timezone':
      return { type: 'string', examples: ['Europe/Rome', 'America/Sao_Paulo'] };
    case 'intervals':
      return { type: 'array' };
    default:
      return {};
  }
}

export interface FactsEditor {
  readonly view: monaco.editor.IStandaloneCodeEditor;
  getValue(): string;
  /** Shows `text` (a sample's facts); not an edit of the admin's. */
  setValue(text: string): void;
  setSchema(outline: Outline): void;
  onEdit(listener: (text: string) => void): void;
  focus(): void;
}

export function createFactsEditor(host: HTMLElement): FactsEditor {
  const model = monaco.editor.createModel('{}', 'json', monaco.Uri.parse(MODEL_URI));
  const view = monaco.editor.create(host, {
    model,
    theme: THEME,
    automaticLayout: true,
    fontSize: 12,
    lineHeight: 18,
    minimap: { enabled: false },
    lineNumbers: 'off',
    glyphMargin: false,
    folding: false,
    scrollBeyondLastLine: false,
    tabSize: 2,
    renderLineHighlight: 'none',
    overviewRulerLanes: 0,
    fixedOverflowWidgets: true,
    ariaLabel: 'Facts (JSON)',
    quickSuggestions: { other: true, strings: true, comments: false },
    // Facts are often pasted whole: no closing brackets or quotes added to them.
    autoClosingBrackets: 'never',
    autoClosingQuotes: 'never',
  });
  let setting = false;
  const listeners: ((text: string) => void)[] = [];
  model.onDidChangeContent(() => {
    if (!setting) for (const l of listeners) l(model.getValue());
  });
  return {
    view,
    getValue: () => model.getValue(),
    setValue: (text) => {
      if (model.getValue() === text) return;
      setting = true;
      try {
        model.setValue(text);
      } finally {
        setting = false;
      }
    },
    setSchema: (outline) =>
      jsonDefaults.setDiagnosticsOptions({
        validate: true,
        allowComments: false,
        schemaValidation: 'error',
        schemas: [{ uri: SCHEMA_URI, fileMatch: [MODEL_URI], schema: factsSchema(outline) }],
      }),
    onEdit: (l) => void listeners.push(l),
    focus: () => view.focus(),
  };
}
