// Live awareness and page weight on the server side, through a real service on 127.0.0.1:
// /v1/events tells every listener of a save and of a file changed on disk as they happen, and
// the editor's hashed assets are sent compressed with a year's immutable caching while its page
// is asked for every time.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PolicyStore } from '../../server/store.js';
import { TEST_TOKEN, serverForTest } from '../support/with-server.js';

/** Listens to an event stream; `events` fills as they come. */
function listen(
  url: string,
): Promise<{ events: { event: string; data: unknown }[]; status: number; type: string; close(): void }> {
  return new Promise((resolve, reject) => {
    const events: { event: string; data: unknown }[] = [];
    const req = request(url, { agent: false }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      });
      resolve({ events, status: res.statusCode!, type: String(res.headers['content-type']), close: () => req.destroy() });
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.end();
  });
}

const until = async (ok: () => boolean) => {
  await expect.poll(ok, { timeout: 10_000 }).toBe(true);
};

describe('GET /v1/events', () => {
  it('tells every listener of a save, and a listener of one policy of that policy only', async () => {
    const running = await serverForTest();
    const all = await listen(`${running.url}/v1/events`);
    const zmandaOnly = await listen(`${running.url}/v1/events?policy=zmanda`);
    const otoOnly = await listen(`${running.url}/v1/events?policy=oto`);
    expect(all.status).toBe(200);
    expect(all.type).toMatch(/^text\/event-stream/);

    const head = (await (await running.get('/v1/policies/zmanda')).json()) as { revision: string; source: string };
    const put = await fetch(`${running.url}/v1/policies/zmanda`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}`, 'if-match': head.revision },
      body: JSON.stringify({ source: head.source.replace(/^title: .*$/m, 'title: Zmanda (retitled)') }),
    });
    expect(put.status).toBe(200);
    const saved = ((await put.json()) as { revision: string }).revision;
    await until(() => all.events.length === 1 && zmandaOnly.events.length === 1);
    expect(all.events[0]).toEqual({ event: 'changed', data: { id: 'zmanda', revision: saved } });
    expect(zmandaOnly.events[0]).toEqual(all.events[0]);

    // A file changed on disk (a checkout) is told as well, once reloaded.
    const oto = readFileSync(join(running.dir, 'oto.yaml'), 'utf8');
    writeFileSync(join(running.dir, 'oto.yaml'), oto.replace(/^title: .*$/m, 'title: Oto (from a checkout)'));
    const folder = running.store;
    if (!(folder instanceof PolicyStore)) throw new Error('the test server is on the policy folder');
    await folder.rescan();
    await until(() => otoOnly.events.length === 1);
    expect(otoOnly.events[0]).toMatchObject({ event: 'changed', data: { id: 'oto' } });
    expect(zmandaOnly.events).toHaveLength(1);
    for (const l of [all, zmandaOnly, otoOnly]) l.close();
  });

  it('keeps at most its bound of streams open: one more is refused with 503, and a closed one frees its place', async () => {
    const running = await serverForTest({ maxEventStreams: 2 });
    const first = await listen(`${running.url}/v1/events`);
    const second = await listen(`${running.url}/v1/events?policy=oto`);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await fetch(`${running.url}/v1/events`);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('30');
    expect(await third.json()).toEqual({
      error: { code: 'busy', message: '2 event streams are open, the most this server keeps; try again later' },
    });
    first.close();
    // The server sees the close a moment later: tried a few times, each refused one closed.
    let again = await listen(`${running.url}/v1/events`);
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      again.close();
      await new Promise((r) => setTimeout(r, 50));
      again = await listen(`${running.url}/v1/events`);
    }
    expect(again.status).toBe(200);
    for (const l of [second, again]) l.close();
  });

  it('does not keep a closing server waiting for its open streams', async () => {
    const running = await serverForTest();
    const stream = await listen(`${running.url}/v1/events`);
    expect(stream.status).toBe(200);
    await running.close();
  });
});

describe('the editor as served', () => {
  it('sends hashed assets compressed and immutable, and the page to be asked for each time', async () => {
    const editorDir = mkdtempSync(join(tmpdir(), 'spe-editor-'));
    mkdirSync(join(editorDir, 'assets'));
    const script = `export const words = ${JSON.stringify(Array.from({ length: 2000 }, (_, i) => `word${i % 50}`))};\n`;
    writeFileSync(join(editorDir, 'assets', 'index-DI6pTfT4.js'), script);
    writeFileSync(join(editorDir, 'index.html'), `<!doctype html><div id="editor"></div>${' '.repeat(2000)}`);
    const running = await serverForTest({ editorDir });

    const asset = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(`${running.url}/editor/assets/index-DI6pTfT4.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
      })
        .on('error', reject)
        .end();
    });
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gunzipSync(asset.body).toString()).toBe(script);
    expect(asset.body.length).toBeLessThan(script.length / 4);

    const page = await running.get('/editor/');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<div id="editor">');
  });
});
