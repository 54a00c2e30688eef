// `spe lsp`: the Language Server Protocol over a pair of streams (stdio), for VS Code, Neovim and
// any LSP client. Diagnostics are the validator's own, as the user types; completion, hover,
// definition and the outline come from lsp/analysis.ts; quick fixes apply the diagnostics'
// "did you mean"; formatting is `spe fmt`'s.
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  CompletionItemKind,
  type Diagnostic as LspDiagnostic,
  DiagnosticSeverity,
  type DocumentSymbol,
  MarkupKind,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
} from 'vscode-languageserver/node';
import { type Diagnostic, formatPolicy, holidaysFor, loadPolicy } from '../dsl/index.js';
import { VERSION } from '../version.js';
import { type Completion, type OutlineItem, PolicyIndex } from './analysis.js';

/** How long typing must pause before a changed document is checked again. */
const CHECK_DELAY_MS = 150;

const COMPLETION_KINDS: Record<Completion['kind'], CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  constant: CompletionItemKind.Constant,
  function: CompletionItemKind.Function,
  fact: CompletionItemKind.Variable,
  value: CompletionItemKind.EnumMember,
  key: CompletionItemKind.Property,
  calendar: CompletionItemKind.Reference,
  tier: CompletionItemKind.EnumMember,
  priority: CompletionItemKind.EnumMember,
  unit: CompletionItemKind.Unit,
};

const SYMBOL_KINDS: Record<OutlineItem['kind'], SymbolKind> = {
  section: SymbolKind.Namespace,
  fact: SymbolKind.Field,
  'derived fact': SymbolKind.Variable,
  calendar: SymbolKind.Object,
  rule: SymbolKind.Event,
  test: SymbolKind.Method,
  entry: SymbolKind.Property,
};

/** The name a quick fix puts in place of the misspelt one, read from the diagnostic's words. */
export function suggestionOf(d: Diagnostic): string | undefined {
  return /did you mean '([^']+)'\?/.exec(`${d.message} ${d.hint ?? ''}`)?.[1];
}

/** A diagnostic's quick fixes with their ranges in the document's positions. */
function fixesOf(doc: TextDocument, d: Diagnostic) {
  return (d.fixes ?? []).map((f) => ({
    title: f.title,
    newText: f.text,
    range: { start: doc.positionAt(f.range.offset), end: doc.positionAt(f.range.offset + f.range.length) },
  }));
}

const fileNameOf = (uri: string) => (uri.startsWith('file:') ? fileURLToPath(uri) : uri);

export function startLanguageServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): void {
  const connection = createConnection(input, output);
  const documents = new TextDocuments(TextDocument);
  const indexes = new Map<string, { version: number; index: PolicyIndex }>();
  const pending = new Map<string, NodeJS.Timeout>();

  const indexOf = (doc: TextDocument): PolicyIndex => {
    const known = indexes.get(doc.uri);
    if (known && known.version === doc.version) return known.index;
    const index = new PolicyIndex(doc.getText());
    indexes.set(doc.uri, { version: doc.version, index });
    return index;
  };

  async function check(doc: TextDocument): Promise<void> {
    const { uri, version } = doc;
    const text = doc.getText();
    // Clients that start the server for every YAML file: one without a top-level `policy:` or
    // `facts:` is some other file, and gets no policy diagnostics.
    if (!/^(policy|facts):/m.test(text)) {
      await connection.sendDiagnostics({ uri, version, diagnostics: [] });
      return;
    }
    const holidays = await holidaysFor(text);
    const result = loadPolicy(text, fileNameOf(uri), holidays ? { holidays } : {});
    // A newer version is on its way: its own check will publish.
    if (documents.get(uri)?.version !== version) return;
    const diagnostics: LspDiagnostic[] = result.diagnostics.map((d) => {
      const start = doc.positionAt(d.span.offset);
      const end = doc.positionAt(d.span.offset + d.span.length);
      const suggestion = suggestionOf(d);
      return {
        range: { start, end },
        severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
        code: d.code,
        source: 'spe',
        message: d.hint && !d.message.includes(d.hint) ? `${d.message}\n${d.hint}` : d.message,
        ...(suggestion || d.fixes ? { data: { ...(suggestion ? { suggestion } : {}), ...(d.fixes ? { fixes: fixesOf(doc, d) } : {}) } } : {}),
      };
    });
    await connection.sendDiagnostics({ uri, version, diagnostics });
  }

  function schedule(doc: TextDocument, delay: number): void {
    clearTimeout(pending.get(doc.uri));
    pending.set(
      doc.uri,
      setTimeout(() => {
        pending.delete(doc.uri);
        check(doc).catch((e: unknown) => connection.console.error(`spe lsp: checking ${doc.uri} failed: ${String(e)}`));
      }, delay),
    );
  }

  connection.onInitialize(() => ({
    serverInfo: { name: 'spe', version: VERSION },
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [' ', '"', '[', ',', ':'] },
      hoverProvider: true,
      definitionProvider: true,
      documentSymbolProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      documentFormattingProvider: true,
    },
  }));

  documents.onDidOpen((e) => schedule(e.document, 0));
  documents.onDidChangeContent((e) => schedule(e.document, CHECK_DELAY_MS));
  documents.onDidClose((e) => {
    clearTimeout(pending.get(e.document.uri));
    indexes.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onCompletion(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    return indexOf(doc)
      .complete(doc.offsetAt(position))
      .map((c) => ({
        label: c.label,
        kind: COMPLETION_KINDS[c.kind],
        detail: c.detail,
        insertText: c.insertText,
        ...(c.doc ? { documentation: { kind: MarkupKind.Markdown, value: c.doc } } : {}),
      }));
  });

  connection.onHover(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    const hover = doc && indexOf(doc).hover(doc.offsetAt(position));
    if (!doc || !hover) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: hover.doc },
      range: { start: doc.positionAt(hover.start), end: doc.positionAt(hover.end) },
    };
  });

  connection.onDefinition(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    return indexOf(doc)
      .definition(doc.offsetAt(position))
      .map((d) => ({ uri: doc.uri, range: { start: doc.positionAt(d.start), end: doc.positionAt(d.end) } }));
  });

  connection.onDocumentSymbol(({ textDocument }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    const symbol = (item: OutlineItem): DocumentSymbol => ({
      name: item.name,
      detail: item.detail,
      kind: SYMBOL_KINDS[item.kind],
      range: { start: doc.positionAt(item.start), end: doc.positionAt(item.end) },
      selectionRange: { start: doc.positionAt(item.nameStart), end: doc.positionAt(item.nameEnd) },
      children: item.children.map(symbol),
    });
    return indexOf(doc).outline.map(symbol);
  });

  connection.onCodeAction(({ textDocument, context }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    return context.diagnostics.flatMap((d) => {
      const suggestion = (d.data as { suggestion?: unknown } | undefined)?.suggestion;
      const written = doc.getText(d.range);
      // Only a diagnostic that underlines the misspelt word itself (or the quoted value) can be fixed by replacing it.
      const word = /^(["']?)([\w.-]+)\1$/.exec(written);
      if (typeof suggestion !== 'string' || !word) {
        // Else the diagnostic's own quick fixes, as data (`Diagnostic.fixes`): a word inside a
        // longer span, an amount rounded to its currency, an alias's anchor.
        const fixes = (d.data as { fixes?: { title: string; range: LspDiagnostic['range']; newText: string }[] } | undefined)?.fixes;
        return (Array.isArray(fixes) ? fixes : []).map((f, i) => ({
          title: f.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: i === 0,
          edit: { changes: { [doc.uri]: [{ range: f.range, newText: f.newText }] } },
        }));
      }
      const quote = word[1]!;
      return [
        {
          title: `Change '${word[2]}' to '${suggestion}'`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: true,
          edit: { changes: { [doc.uri]: [{ range: d.range, newText: `${quote}${suggestion}${quote}` }] } },
        },
      ];
    });
  });

  connection.onDocumentFormatting(({ textDocument }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    const result = formatPolicy(doc.getText(), fileNameOf(doc.uri));
    if (!result.ok || !result.changed) return [];
    return [{ range: { start: doc.positionAt(0), end: doc.positionAt(doc.getText().length) }, newText: result.text }];
  });

  documents.listen(connection);
  connection.listen();
}
