// A resumable session's websocket (docs/resume.md) at its edges, found
// untested by the mutation run (docs/testing.md, group `websocket`): an
// empty message carries nothing, as on a plain session, and a batch that is
// not [seq, ack, ...] JSON closes the socket with 3000 "Broken framing." at
// once, with no close frame before it and no harm to the server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ResumeServer, startResumeServer } from './resume-support.js';
import { RawSocket, sessionPath, startServer, WsClient } from './support.js';

describe('a resumable websocket', () => {
  let s: ResumeServer;
  before(async () => {
    s = await startResumeServer();
  });
  after(() => s.stop());

  const open = async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket?resume=new`);
    assert.equal(await ws.message(1), 'o');
    return ws;
  };

  test('an empty message carries nothing and leaves the session open', async () => {
    const ws = await open();
    ws.ws.send('');
    ws.ws.send('[0,0,"after the empty one"]');
    assert.equal(await ws.message(2), 'a[0,1,"after the empty one"]');
    ws.ws.close();
  });

  for (const broken of ['[1,0,', '["x"]', '{}']) {
    test(`${JSON.stringify(broken)} closes it with 3000 "Broken framing." and no frame`, async () => {
      const ws = await open();
      ws.ws.send(broken);
      assert.deepEqual(await ws.closed(), { code: 3000, reason: 'Broken framing.' });
      assert.deepEqual(ws.messages, ['o']);
      // The server is unharmed: another session opens.
      const next = await open();
      next.ws.close();
    });
  }

  test('a socket that fails with an error (a frame ws refuses) is a drop: the session waits for its client', async () => {
    const path = sessionPath();
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${path}/websocket?resume=new`);
    assert.equal(await ws.message(1), 'o');
    ws.ws.send('[0,0,"one"]');
    assert.equal(await ws.message(2), 'a[0,1,"one"]');
    // A masked frame with the reserved opcode 3: the server's socket errors.
    (ws.ws as unknown as { _socket: import('node:net').Socket })._socket.write(
      Buffer.from([0x83, 0x80, 1, 2, 3, 4]),
    );
    assert.notEqual((await ws.closed()).code, 1000);
    const back = new WsClient(`ws://127.0.0.1:${s.port}${path}/websocket?resume=1`);
    await back.opened;
    back.ws.send('[1,1,"two"]');
    assert.equal(await back.message(1), 'a[1,2,"two"]');
    back.ws.close();
    await back.closed();
  });

  test('resume=<ack> for no session: c[2012,"Cannot resume"] as a text frame, then the close', async () => {
    // WsClient records a binary frame as '(binary) ...'.
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket?resume=3`);
    assert.equal((await ws.closed()).code, 1000);
    assert.deepEqual(ws.messages, ['c[2012,"Cannot resume"]']);
  });
});

describe('shutdown', () => {
  test('cuts a websocket whose client never answers the close frame, once the timeout is over', async () => {
    const server = await startServer();
    try {
      const sock = new RawSocket(server.port);
      sock.socket.write(
        `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
          'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      // The `o` frame: FIN + text, one byte.
      await sock.waitText('\x81\x01o');
      await server.echo.close(1001, 'Going away', 50);
      // Its close frame came, no answer went back: the server hangs up itself.
      await sock.waitClose(5000);
      assert.ok(sock.data.includes(Buffer.from([0x88])), 'a close frame before the cut');
    } finally {
      await server.stop();
    }
  });
});
