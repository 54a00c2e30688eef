// The evaluation service's public surface: the express app and a function that serves it.
import type { Server } from 'node:http';
import { createApp, type AppOptions } from './app.js';

export { createApp, type AppOptions, publicDiagnostic, revisionOf } from './app.js';

export interface ServeOptions extends AppOptions {
  host: string;
  port: number;
}

/** Starts listening; resolves with the server once it accepts connections. */
export function serve(options: ServeOptions): Promise<Server> {
  const app = createApp(options);
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.once('error', reject);
    // Slow or stuck clients must not hold connections forever.
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    server.keepAliveTimeout = 5_000;
  });
}
