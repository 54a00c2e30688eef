// The decision log (`spe serve --decision-log FILE|-`): one JSON line per decision served, for the
// platform's log pipeline and for replaying real traffic through a draft (`spe impact`).
import { type DestinationStream, destination } from 'pino';
import { type CompiledPolicy, type Decision, decisionLogLine } from '../engine/index.js';

/** POSIX's least PIPE_BUF: a write to a pipe of at most this many bytes is never interleaved with another's. */
export const PIPE_BUF = 4096;

/** The longest a decision's line waits in the buffer. */
export const FLUSH_MS = 200;

export interface DecisionLog {
  /** The file, or `-` for standard output. */
  readonly target: string;
  /** Logs one decision: `facts` as the request gave them, `now` when the request gave one. */
  write(compiled: CompiledPolicy, facts: unknown, decision: Decision, now?: string): void;
  /** Writes what is buffered and closes the file. */
  close(): Promise<void>;
}

/**
 * Opens the log: `-` is standard output, anything else a file opened for appending (created if
 * missing). Lines are buffered and written asynchronously (sonic-boom, pino's destination), so a
 * decision never waits for the disk; each write is a whole number of lines.
 *
 * Several processes (`--workers N`) each open the file for appending and write it themselves:
 * with O_APPEND each write lands whole at the end of the file, so whole-line writes never mix.
 * Writes are also kept within PIPE_BUF (unless one line is longer), so on standard output, when
 * it is a pipe the workers share, lines do not mix either.
 */
export function openDecisionLog(target: string): DecisionLog {
  const stream = destination({
    dest: target === '-' ? 1 : target,
    append: true,
    sync: false,
    mkdir: false,
    // Lines are gathered into writes of up to PIPE_BUF bytes; a quiet server's lines are written
    // within FLUSH_MS.
    minLength: PIPE_BUF / 2,
    maxWrite: PIPE_BUF,
    periodicFlush: FLUSH_MS,
  }) as DestinationStream & {
    flushSync(): void;
    end(): void;
    once(event: string, fn: (e?: Error) => void): void;
    on(event: string, fn: (e: Error) => void): void;
  };
  // A full disk must not stop the service: the error is said once, and decisions go on being served.
  let failed = false;
  stream.on('error', (e) => {
    if (failed) return;
    failed = true;
    process.stderr.write(`spe serve: the decision log cannot be written: ${e.message}\n`);
  });
  return {
    target,
    write(compiled, facts, decision, now) {
      if (failed) return;
      stream.write(`${JSON.stringify(decisionLogLine(compiled, facts, decision, new Date(), now))}\n`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (target === '-') {
          // Standard output stays open for whatever else the process writes.
          try {
            stream.flushSync();
          } catch {
            // nothing buffered, or it cannot be written: said by the error handler
          }
          return resolve();
        }
        stream.once('close', () => resolve());
        stream.once('error', () => resolve());
        stream.end();
      }),
  };
}
