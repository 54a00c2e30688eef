// The built web editor (vite's output in editor/dist) at /editor/. Its assets carry a hash of
// their content in their names, so a browser may keep them for a year without asking again; the
// page itself is asked for every time, so a new build is picked up at the next load. Everything is
// sent compressed (brotli or gzip, as the browser takes): monaco is most of the weight and shrinks
// to about a quarter.
import compression from 'compression';
import express, { type Express } from 'express';
import helmet from 'helmet';

/** Vite's hashed file names: `index-DI6pTfT4.js`, `codicon-DF1abBS2.ttf`. */
const HASHED = /\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
export const IMMUTABLE = 'public, max-age=31536000, immutable';

export function serveEditor(app: Express, dir: string): void {
  // Monaco needs inline styles, workers from this origin and data: images; nothing else is loosened.
  const editorCsp = helmet.contentSecurityPolicy({
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      workerSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      frameAncestors: ["'self'"],
      // The editor may be opened over plain http on a host name: do not force https.
      upgradeInsecureRequests: null,
    },
  });
  // Express 5 matches '/editor' for '/editor/' too: redirect only the slashless form.
  app.get('/editor', (req, res, next) => (req.originalUrl.split('?')[0]!.endsWith('/') ? next() : res.redirect(301, '/editor/')));
  app.use(
    '/editor',
    editorCsp,
    compression(),
    express.static(dir, {
      index: 'index.html',
      fallthrough: true,
      setHeaders: (res, path) => {
        res.setHeader('cache-control', HASHED.test(path.replaceAll('\\', '/')) ? IMMUTABLE : 'no-cache');
      },
    }),
  );
}
