// GET /v1/events: server-sent events telling the editor of every change of a policy's text as it
// happens, so an admin learns of a colleague's save before their own save fails. Each process
// tells its own clients what its store sees: a save made here, or a reload of the file. Under
// `spe serve --workers`, the primary makes every other worker reload a saved policy before the
// save is acknowledged (server/cluster.ts), so a client of any worker hears of a save on any other.
import type { Request, Response } from 'express';
import { POLICY_ID } from './store-error.js';
import type { Store } from './stores.js';

/** A comment line now and then keeps proxies and the idle timeout from closing a quiet stream. */
export const HEARTBEAT_MS = 20_000;

/**
 * Streams open at once, at most: each holds a socket, a timer and a listener written to at every
 * save, so their number is bounded like any other work a request can cause. An editor holds one.
 */
export const MAX_STREAMS = 500;

/** Bytes written to a stream and not yet taken by its client, at most. */
const UNREAD_LIMIT = 1024 * 1024;

export interface EventStreams {
  /** The route's handler. */
  handle(req: Request, res: Response): void;
  /** Ends every open stream (the server is closing: an open stream would keep it waiting). */
  close(): void;
  /** How many clients listen now. */
  readonly open: number;
}

export function eventStreams(
  store: Pick<Store, 'onChange'>,
  heartbeatMs = HEARTBEAT_MS,
  maxStreams = MAX_STREAMS,
): EventStreams {
  const clients = new Set<Response>();

  const handle = (req: Request, res: Response) => {
    if (clients.size >= maxStreams) {
      res
        .status(503)
        .set('retry-after', '30')
        .json({ error: { code: 'busy', message: `${maxStreams} event streams are open, the most this server keeps; try again later` } });
      return;
    }
    // ?policy=id narrows the stream to one policy; without it, every policy.
    const only = typeof req.query.policy === 'string' && POLICY_ID.test(req.query.policy) ? req.query.policy : null;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx and the like must pass each event on at once rather than buffer the stream.
      'x-accel-buffering': 'no',
    });
    // The client reconnects after 2 s when the stream breaks (a worker restarted); it then reads
    // the policies again, so a save in between is not missed.
    res.write(`retry: 2000\n: ${clients.size + 1} listening\n\n`);
    clients.add(res);
    // A client that stops reading is let go once a megabyte waits for it, rather than kept in memory.
    const send = (text: string) => (res.writableLength > UNREAD_LIMIT ? res.end() : res.write(text));
    const stop = store.onChange(({ id, revision }) => {
      if (only && id !== only) return;
      send(`event: changed\ndata: ${JSON.stringify({ id, revision })}\n\n`);
    });
    const beat = setInterval(() => send(': still here\n\n'), heartbeatMs);
    beat.unref();
    res.on('close', () => {
      clearInterval(beat);
      stop();
      clients.delete(res);
    });
  };

  return {
    handle,
    close: () => {
      for (const res of clients) res.end();
      clients.clear();
    },
    get open() {
      return clients.size;
    },
  };
}
