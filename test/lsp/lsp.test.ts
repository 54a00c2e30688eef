// `spe lsp` driven as an editor drives it: the real command started as a child process, JSON-RPC
// with Content-Length framing over its stdin and stdout (the protocol's own client library).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CodeAction,
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  type Diagnostic,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  type DocumentSymbol,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  type Location,
  type MarkupContent,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';

const root = join(import.meta.dirname, '..', '..');
const zmanda = readFileSync(join(root, 'policies', 'zmanda.yaml'), 'utf8');
const lines = zmanda.split('\n');
const lineOf = (text: string) => lines.findIndex((l) => l.includes(text));
const typo = zmanda.replace('rows: urgency', 'rows: urgncy');
const uri = pathToFileURL(join(root, 'policies', 'zmanda-draft.yaml')).href;

let server: ChildProcessWithoutNullStreams;
let client: ProtocolConnection;
const published: PublishDiagnosticsParams[] = [];
let notify: () => void = () => {};

function nextDiagnostics(forUri: string): Promise<PublishDiagnosticsParams> {
  return new Promise((resolve) => {
    const look = () => {
      const found = published.find((p) => p.uri === forUri);
      if (found) resolve(found);
      else notify = look;
    };
    look();
  });
}

describe('spe lsp over stdio', () => {
  beforeAll(async () => {
    server = spawn(process.execPath, [join(root, 'bin', 'spe'), 'lsp', '--stdio'], { cwd: root });
    client = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
    client.onNotification(PublishDiagnosticsNotification.type, (p) => {
      published.push(p);
      notify();
    });
    client.listen();
    const init = await client.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      capabilities: {},
      workspaceFolders: null,
    });
    expect(init.serverInfo?.name).toBe('spe');
    expect(init.capabilities.hoverProvider).toBe(true);
    await client.sendNotification(InitializedNotification.type, {});
    await client.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: 1, text: typo },
    });
  }, 120_000);

  afterAll(() => {
    client?.dispose();
    if (server && server.exitCode === null) server.kill();
  });

  let typoDiagnostic: Diagnostic;

  it('publishes the validator diagnostic of a typo at its line and column', async () => {
    const { diagnostics, version } = await nextDiagnostics(uri);
    expect(version).toBe(1);
    const d = diagnostics.find((x) => x.code === 'expr.unknown-fact');
    expect(d).toBeDefined();
    typoDiagnostic = d!;
    // `    rows: urgncy`: the word starts after four spaces and `rows: ` (0-based character 10).
    expect(d!.range).toEqual({
      start: { line: lineOf('rows: urgency'), character: 10 },
      end: { line: lineOf('rows: urgency'), character: 16 },
    });
    expect(d!.message).toContain("unknown fact 'urgncy'");
    expect(d!.severity).toBe(1);
  });

  it('offers the "did you mean" as a quick fix that replaces the word', async () => {
    const actions = (await client.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: typoDiagnostic.range,
      context: { diagnostics: [typoDiagnostic] },
    })) as CodeAction[];
    expect(actions).toHaveLength(1);
    expect(actions[0]!.title).toBe("Change 'urgncy' to 'urgency'");
    expect(actions[0]!.edit?.changes?.[uri]).toEqual([{ range: typoDiagnostic.range, newText: 'urgency' }]);
  });

  it('fixes a misspelt enum value inside its quotes', async () => {
    const valueUri = pathToFileURL(join(root, 'policies', 'zmanda-value.yaml')).href;
    await client.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: {
        uri: valueUri,
        languageId: 'yaml',
        version: 1,
        text: zmanda.replace('tier == "community" and', 'tier == "comunity" and'),
      },
    });
    const { diagnostics } = await nextDiagnostics(valueUri);
    const d = diagnostics.find((x) => x.code === 'expr.unknown-value')!;
    const line = lineOf('tier == "community" and');
    expect(d.range.start).toEqual({ line, character: lines[line]!.indexOf('"community"') });
    const actions = (await client.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: valueUri },
      range: d.range,
      context: { diagnostics: [d] },
    })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(["Change 'comunity' to 'community'"]);
    expect(actions[0]!.edit?.changes?.[valueUri]).toEqual([{ range: d.range, newText: '"community"' }]);
  });

  it('offers the fixes a diagnostic carries as data: an amount rounded to its currency', async () => {
    const logbot = readFileSync(join(root, 'policies', 'logbot.yaml'), 'utf8');
    const moneyUri = pathToFileURL(join(root, 'policies', 'logbot-money.yaml')).href;
    const text = logbot.replace('rate: 75.00 EUR per hour', 'rate: 75.005 EUR per hour');
    await client.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: moneyUri, languageId: 'yaml', version: 1, text },
    });
    const { diagnostics } = await nextDiagnostics(moneyUri);
    const d = diagnostics.find((x) => x.code === 'money.too-many-digits')!;
    const line = text.split('\n').findIndex((l) => l.includes('75.005 EUR'));
    const character = text.split('\n')[line]!.indexOf('75.005');
    const actions = (await client.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: moneyUri },
      range: d.range,
      context: { diagnostics: [d] },
    })) as CodeAction[];
    // Half-up to the cent, as billing rounds: 75.005 → 75.01, the amount alone replaced.
    expect(actions.map((a) => a.title)).toEqual(['Change to 75.01']);
    expect(actions[0]!.edit?.changes?.[moneyUri]).toEqual([
      { range: { start: { line, character }, end: { line, character: character + 6 } }, newText: '75.01' },
    ]);
  });

  it('completes the enum values of the fact being compared', async () => {
    const line = lineOf('when: tier == "community"');
    const character = lines[line]!.indexOf('"community"') + 1;
    const items = (await client.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line, character },
    })) as {
      label: string;
      insertText?: string;
    }[];
    // zmanda.yaml: `tier: { type: enum, values: [community, standard, premium] }`; the quote is typed.
    expect(items.map((i) => i.label)).toEqual(['community', 'standard', 'premium']);
    expect(items[0]!.insertText).toBe('community');
  });

  it('completes the keys a section takes', async () => {
    const line = lineOf('  levels: [community');
    const items = (await client.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line, character: 2 },
    })) as {
      label: string;
    }[];
    expect(items.map((i) => i.label).sort()).toEqual(['levels', 'of', 'slaOf']);
  });

  it('shows a fact declaration on hover, and a derived fact', async () => {
    const line = lineOf('slaTier: if trial');
    const trial = await client.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line, character: lines[line]!.indexOf('trial') + 2 },
    });
    const text = (trial?.contents as MarkupContent).value;
    expect(text).toContain('**trial** — fact, `boolean`');
    expect(text).toContain('default: `false`');
    expect(text).toContain('The customer is evaluating Zmanda.');
    const slaOf = lineOf('slaOf: slaTier');
    const derived = await client.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: slaOf, character: lines[slaOf]!.indexOf('slaTier') + 1 },
    });
    expect((derived?.contents as MarkupContent).value).toContain('if trial then "premium" else tier');
  });

  it('goes to the definition of a derived fact and of a calendar', async () => {
    const slaOf = lineOf('slaOf: slaTier');
    const toDerived = (await client.sendRequest(DefinitionRequest.type, {
      textDocument: { uri },
      position: { line: slaOf, character: lines[slaOf]!.indexOf('slaTier') + 3 },
    })) as Location[];
    expect(toDerived).toEqual([
      {
        uri,
        range: { start: { line: lineOf('slaTier: if'), character: 2 }, end: { line: lineOf('slaTier: if'), character: 9 } },
      },
    ]);
    const use = lineOf('    calendar: office');
    const toCalendar = (await client.sendRequest(DefinitionRequest.type, {
      textDocument: { uri },
      position: { line: use, character: lines[use]!.indexOf('office') },
    })) as Location[];
    expect(toCalendar.map((l) => l.range.start)).toEqual([{ line: lineOf('  office:'), character: 2 }]);
  });

  it('outlines the document: its sections, and the facts within', async () => {
    const symbols = (await client.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    const sections = lines.map((l) => /^([a-zA-Z]+):/.exec(l)?.[1]).filter((s): s is string => s !== undefined);
    expect(symbols.map((s) => s.name)).toEqual(sections);
    const facts = symbols.find((s) => s.name === 'facts')!;
    expect(facts.children?.map((c) => c.name).slice(0, 3)).toEqual(['tier', 'trial', 'impact']);
  });

  it('formats a document as spe fmt does', async () => {
    const messyUri = pathToFileURL(join(root, 'messy.yaml')).href;
    const messy = 'title: X\npolicy: x\npriorities:\n  - P1\n  - P2\n';
    await client.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: messyUri, languageId: 'yaml', version: 1, text: messy },
    });
    const edits = await client.sendRequest(DocumentFormattingRequest.type, {
      textDocument: { uri: messyUri },
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(edits).toEqual([
      {
        range: { start: { line: 0, character: 0 }, end: { line: 5, character: 0 } },
        newText: 'policy: x\ntitle: X\npriorities: [P1, P2]\n',
      },
    ]);
  });

  it('checks again as the user types: fixing the typo clears its diagnostic', async () => {
    const line = lineOf('rows: urgency');
    published.length = 0;
    await client.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line, character: 10 }, end: { line, character: 16 } }, text: 'urgency' }],
    });
    const { version, diagnostics } = await nextDiagnostics(uri);
    expect(version).toBe(2);
    expect(diagnostics.filter((d) => d.severity === 1)).toEqual([]);
  });

  it('leaves YAML that is no policy alone', async () => {
    const otherUri = pathToFileURL(join(root, '.github', 'workflow.yaml')).href;
    await client.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: otherUri, languageId: 'yaml', version: 1, text: 'on: [push]\njobs: {}\n' },
    });
    expect((await nextDiagnostics(otherUri)).diagnostics).toEqual([]);
  });

  it('shuts down and exits 0 when the client says exit', async () => {
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    await client.sendRequest(ShutdownRequest.type);
    await client.sendNotification(ExitNotification.type);
    expect(await exited).toBe(0);
  });
});
