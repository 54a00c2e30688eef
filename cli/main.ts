// The `spe` command line: dispatches subcommands. Each subcommand's module is imported only when
// it runs, so `spe --help` and friends start without loading the parser or the schema checker.
import { VERSION } from '../version.js';
import { EXIT, UsageError } from './common.js';

const HELP = `spe ${VERSION} — support-policy-engine

Usage: spe <command> [options]

Commands:
  validate [paths…]   check policy files (default: policies/); exit 0 clean, 1 errors, 2 bad usage
  schema              print the JSON Schema of policy files, for editors
  codes               list every diagnostic code and what it means
  test [paths…]       run the tests written in policy files; report rule coverage
  eval POLICY         evaluate a ticket's facts into a decision (--facts FILE|-, --batch)
  compile POLICY      print the policy as json-rules-engine rules
  table POLICY        print the contract's decision table and prove it complete (--format md|csv|json|html)
  serve               serve the policies over HTTP: evaluate, validate, save, history, the editor
  store export|import move policies with their history between PostgreSQL and a folder
  fmt [paths…]        write policy files in the canonical layout (--check for CI)
  lsp                 run the language server for editors (LSP over stdio)
  impact POLICY       what a contract change does to a set of tickets (--from A --to B --tickets FILE)
  sample POLICY       a year of plausible tickets for a policy, as JSON lines

Options:
  -h, --help          show help (also: spe <command> --help)
  -v, --version       show the version
`;

const COMMANDS: Record<string, () => Promise<{ run(args: string[]): Promise<number> | number; HELP: string }>> = {
  validate: () => import('./validate.js'),
  schema: () => import('./schema.js'),
  codes: () => import('./codes.js'),
  test: () => import('./test.js'),
  eval: () => import('./eval.js'),
  compile: () => import('./compile.js'),
  table: () => import('./table.js'),
  serve: () => import('./serve.js'),
  store: () => import('./store.js'),
  fmt: () => import('./fmt.js'),
  lsp: () => import('./lsp.js'),
  impact: () => import('./impact.js'),
  sample: () => import('./sample.js'),
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic && COMMANDS[topic]) {
      process.stdout.write((await COMMANDS[topic]()).HELP);
      return EXIT.ok;
    }
    process.stdout.write(HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const load = COMMANDS[command];
  if (!load) {
    const known = Object.keys(COMMANDS);
    const near = known.find((k) => k.startsWith(command.slice(0, 3)));
    process.stderr.write(
      `spe: unknown command '${command}'${near ? ` — did you mean '${near}'?` : ''}\nRun 'spe --help' for the list of commands.\n`,
    );
    return EXIT.usage;
  }
  const module = await load();
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(module.HELP);
    return EXIT.ok;
  }
  try {
    return await module.run(rest);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`spe ${command}: ${(e as Error).message}\nRun 'spe ${command} --help' for usage.\n`);
      return EXIT.usage;
    }
    throw e;
  }
}
