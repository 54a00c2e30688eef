// A minimal VS Code extension: starts `spe lsp` for policy files and lets the language client do
// the rest (diagnostics, completion, hover, definition, symbols, quick fixes, formatting).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { workspace } = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

/** The spe command: the setting, else the workspace's own install or checkout, else the PATH. */
function speCommand(folder) {
  const configured = workspace.getConfiguration('spe').get('command');
  if (configured) return configured;
  if (folder) {
    for (const candidate of [join(folder, 'node_modules', '.bin', 'spe'), join(folder, 'bin', 'spe')]) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return 'spe';
}

function activate(context) {
  const folder = workspace.workspaceFolders?.[0]?.uri.fsPath;
  const patterns = workspace.getConfiguration('spe').get('policyFiles') ?? ['**/policies/**/*.{yaml,yml}'];
  const run = { command: speCommand(folder), args: ['lsp', '--stdio'], transport: TransportKind.stdio, options: { cwd: folder } };
  client = new LanguageClient(
    'spe',
    'Support policies (spe)',
    { run, debug: run },
    { documentSelector: patterns.map((pattern) => ({ scheme: 'file', language: 'yaml', pattern })) },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
