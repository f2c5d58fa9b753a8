// A receiving request waits for frames longer than an app's socket timeout
// may allow: an HTTP server with `server.setTimeout(ms)` destroys a socket
// idle that long, so each receiving transport turns the timeout off on its
// socket (keepOpen in src/transports/session-response.ts). Here the socket
// timeout is shorter than the heartbeat: the heartbeat frame reaches the
// client only if the response outlived it.

import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { request, Stream, sessionPath, startServer, type TestServer } from './support.js';

const SOCKET_TIMEOUT = 150;
const HEARTBEAT = 400;

describe('receiving requests outlive the HTTP server socket timeout', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ heartbeat_delay: HEARTBEAT });
    (server.http as http.Server).setTimeout(SOCKET_TIMEOUT);
  });
  after(() => server.stop());

  for (const [name, path, method, heartbeat] of [
    ['xhr-streaming', 'xhr_streaming', 'POST', '\nh\n'],
    ['eventsource', 'eventsource', 'GET', 'data: h\r\n\r\n'],
    ['htmlfile', 'htmlfile?c=cb', 'GET', 'p("h");'],
  ] as const) {
    test(`${name}: the heartbeat comes after the socket timeout`, async () => {
      const stream = new Stream(server.port, `${sessionPath()}/${path}`, { method });
      await stream.waitFor(heartbeat, 5000);
      assert.equal(stream.ended, false);
      stream.abort();
    });
  }

  for (const [name, path, method, open, heartbeat] of [
    ['xhr-polling', 'xhr', 'POST', 'o\n', 'h\n'],
    ['jsonp-polling', 'jsonp?c=cb', 'GET', '/**/cb("o");\r\n', '/**/cb("h");\r\n'],
  ] as const) {
    test(`${name}: a poll waiting for the heartbeat is answered with it`, async () => {
      const session = sessionPath();
      const first = await request(server.port, `${session}/${path}`, { method });
      assert.equal(first.body, open);
      const second = await request(server.port, `${session}/${path}`, { method });
      assert.equal(second.status, 200);
      assert.equal(second.body, heartbeat);
    });
  }
});
