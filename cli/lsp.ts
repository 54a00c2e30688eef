// `spe lsp`: runs the policy language server on standard input and output (lsp/server.ts).
import { EXIT, UsageError } from './common.js';

export const HELP = `Usage: spe lsp [--stdio]

Runs a Language Server (LSP) for policy files on standard input and output, for editors:
diagnostics as you type (those of spe validate), completion, hover, go to definition (facts,
derived facts, calendars, tiers, priorities, anchors), document symbols, quick fixes for
"did you mean" and formatting (spe fmt). The editor starts it; see the README for VS Code
and Neovim. --stdio is accepted (and the default) for clients that pass it.
`;

export async function run(args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== '--stdio');
  if (unknown.length > 0) throw new UsageError(`unknown argument '${unknown[0]}'`);
  const { startLanguageServer } = await import('../lsp/server.js');
  startLanguageServer(process.stdin, process.stdout);
  // The server runs until the client sends `exit`, which ends the process.
  await new Promise<never>(() => {});
  return EXIT.ok;
}
