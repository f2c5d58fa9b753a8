// End-to-end: a streaming response that the server cuts mid-stream (it
// destroys the response's socket while the process lives on) closes the Node
// client with 1006 on xhr-streaming and eventsource, after delivering what
// came before the cut, and without a silent second receiving request.
// The server is a few lines of SockJS over node:http so the cut is exact.

import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { SockJS } from '../../packages/client/src/node.ts';

const streams: string[] = [];
const http = createServer((req, res) => {
  const path = req.url ?? '';
  if (path === '/echo/info') {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
    res.end('{"websocket":false,"cookie_needed":false,"origins":["*:*"],"entropy":1}');
  } else if (path.endsWith('/xhr_streaming')) {
    streams.push(path);
    res.writeHead(200, { 'Content-Type': 'application/javascript; charset=UTF-8' });
    cutAfter(res, ['h'.repeat(2048) + '\n', 'o\n', 'a["before the cut"]\n']);
  } else if (path.endsWith('/eventsource')) {
    streams.push(path);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=UTF-8' });
    cutAfter(res, ['\r\n', 'data: o\r\n\r\n', 'data: a["before the cut"]\r\n\r\n']);
  } else {
    res.writeHead(404);
    res.end();
  }
});

/** Writes the chunks 30 ms apart, then destroys the socket: no final chunk. */
function cutAfter(res: ServerResponse, chunks: string[]): void {
  chunks.forEach((chunk, i) => {
    setTimeout(() => res.write(chunk), 30 * i);
  });
  setTimeout(() => res.socket?.destroy(), 30 * chunks.length + 50);
}

let url = '';
before(async () => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as { port: number }).port}/echo`;
});
after(() => {
  http.closeAllConnections();
  http.close();
});

for (const transport of ['xhr-streaming', 'eventsource'] as const) {
  test(`${transport}: a response cut mid-stream closes the socket with 1006`, {
    timeout: 10_000,
  }, async () => {
    streams.length = 0;
    const sock = new SockJS(url, null, { transports: [transport] });
    const messages: string[] = [];
    sock.onmessage = (e) => messages.push(e.data);
    const close = await new Promise<{ code: number; reason: string; opened: boolean }>(
      (resolve) => {
        let opened = false;
        sock.onopen = () => {
          opened = true;
        };
        sock.onclose = (e) => resolve({ code: e.code, reason: e.reason, opened });
      },
    );
    assert.equal(close.opened, true);
    // The cut itself, not the liveness timeout (2011) nor a failed retry.
    assert.deepEqual(
      { code: close.code, reason: close.reason },
      { code: 1006, reason: 'Connection broken' },
    );
    assert.deepEqual(messages, ['before the cut']);
    assert.equal(streams.length, 1, 'no second receiving request after the cut');
  });
}
