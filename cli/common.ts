// What every subcommand shares with the dispatcher (cli/main.ts): the exit codes and the error
// that means bad usage. Kept apart so subcommands never import the module that imports them.

/** Exit codes shared by every subcommand. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad usage (an unknown option value, a missing argument): exit 2 with the command's usage hint. */
export class UsageError extends Error {}
