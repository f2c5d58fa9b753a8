// The websocket transports over real sockets: SockJS websocket (RFC 6455
// through `ws`, and hixie-76 by hand), the raw /websocket, websocket off.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  assertAlive,
  RawSocket,
  request,
  sessionPath,
  sleep,
  startServer,
  type TestServer,
  WsClient,
} from './support.js';

let s: TestServer;
before(async () => {
  s = await startServer();
});
after(() => s.stop());

const wsUrl = (path: string) => `ws://127.0.0.1:${s.port}${path}`;

describe('SockJS websocket', () => {
  test('o, then messages echoed as a[...] frames', async () => {
    const ws = new WsClient(wsUrl(`${sessionPath()}/websocket`));
    assert.equal(await ws.message(1), 'o');
    ws.ws.send('["a","b"]');
    assert.equal(await ws.message(2), 'a["a","b"]');
    ws.ws.send('["\\u2028\\ud83d\\ude00"]');
    assert.equal(await ws.message(3), 'a["\\u2028\\ud83d\\ude00"]');
    ws.ws.close();
  });

  test("'' and '[]' are ignored; a lone JSON string is one message", async () => {
    const ws = new WsClient(wsUrl(`${sessionPath()}/websocket`));
    assert.equal(await ws.message(1), 'o');
    ws.ws.send('');
    ws.ws.send('[]');
    ws.ws.send('"lone"');
    assert.equal(await ws.message(2), 'a["lone"]');
    await sleep(50);
    assert.deepEqual(ws.messages, ['o', 'a["lone"]']);
    ws.ws.close();
  });

  test('invalid JSON closes the websocket with 3000 "Broken framing."', async () => {
    const ws = new WsClient(wsUrl(`${sessionPath()}/websocket`));
    assert.equal(await ws.message(1), 'o');
    const conn = s.connections.at(-1)!;
    const closedConn = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    ws.ws.send('["x"');
    assert.deepEqual(await ws.closed(), { code: 3000, reason: 'Broken framing.' });
    await closedConn;
    assert.deepEqual(ws.messages, ['o']);
  });

  test('long lone messages read from their bytes: echoed byte for byte, escaped as the server escapes', async () => {
    const ws = new WsClient(wsUrl(`${sessionPath()}/websocket`));
    assert.equal(await ws.message(1), 'o');
    const conn = s.connections.at(-1)!;
    const seen: string[] = [];
    conn.on('data', (m) => seen.push(m));
    const plain = `${'p'.repeat(2000)}é€${'q'.repeat(2000)}`;
    ws.ws.send(`["${plain}"]`);
    assert.equal(await ws.message(2), `a["${plain}"]`);
    // Raw in the literal, escaped by the server on the way back.
    const special = `${'s'.repeat(100)}\u2028${'t'.repeat(100)}\ufff9`;
    ws.ws.send(`["${special}"]`);
    assert.equal(await ws.message(3), `a["${'s'.repeat(100)}\\u2028${'t'.repeat(100)}\\ufff9"]`);
    assert.deepEqual(seen, [plain, special]);
    ws.ws.close();
  });

  test('echoes of many sizes reach a client that stopped reading, all intact', async () => {
    // Frames cut from the server's slabs wait in a congested socket (the
    // client reads nothing for a while): none may be overwritten meanwhile.
    const ws = new WsClient(wsUrl(`${sessionPath()}/websocket`));
    assert.equal(await ws.message(1), 'o');
    ws.ws.pause();
    const sizes = [1, 63, 64, 4095, 4096, 9000, 16_382, 16_384, 20_000, 70_000];
    const sent: string[] = [];
    for (let i = 0; i < 600; i++) {
      const size = sizes[i % sizes.length]!;
      const tag = `${i}:`;
      const m = tag + String.fromCharCode(0x61 + (i % 26)).repeat(Math.max(0, size - tag.length));
      sent.push(m);
      ws.ws.send(`["${m}"]`);
    }
    await sleep(300);
    ws.ws.resume();
    // Echoes written in one tick share a frame: compare the items.
    const items = () => ws.messages.slice(1).flatMap((f) => JSON.parse(f.slice(1)) as string[]);
    await ws.until(() => items().length >= sent.length, 'waiting for every echo', 10_000);
    assert.deepEqual(items(), sent);
    ws.ws.close();
  });

  test('a message relayed to other sessions, alone and in a batch, arrives intact everywhere', async () => {
    const clients = [0, 1, 2].map(() => new WsClient(wsUrl(`${sessionPath()}/websocket`)));
    for (const c of clients) assert.equal(await c.message(1), 'o');
    const [sender, ...others] = s.connections.slice(-3);
    const relayed = new Promise<string>((resolve) => sender!.once('data', resolve));
    const m = `${'r'.repeat(1500)}ß${'e'.repeat(1500)}`;
    clients[0]!.ws.send(JSON.stringify([m]));
    assert.equal(await relayed, m);
    // The echo itself, then the message alone to one session and twice in
    // one batch to the other.
    assert.equal(await clients[0]!.message(2), `a["${m}"]`);
    others[0]!.write(m);
    others[1]!.write(m);
    others[1]!.write(m);
    assert.equal(await clients[1]!.message(2), `a["${m}"]`);
    assert.equal(await clients[2]!.message(2), `a["${m}","${m}"]`);
    for (const c of clients) c.ws.close();
  });

  test('a raw control character deep in a long literal closes with 3000 "Broken framing."', async () => {
    for (const ch of ['\u0000', '\u0001', '\n', '\u001f']) {
      const ws = new WsClient(wsUrl(`${sessionPath()}/websocket`));
      assert.equal(await ws.message(1), 'o');
      const conn = s.connections.at(-1)!;
      const seen: string[] = [];
      conn.on('data', (m) => seen.push(m));
      ws.ws.send(`["${'c'.repeat(1001)}${ch}${'d'.repeat(1002)}"]`);
      assert.deepEqual(await ws.closed(), { code: 3000, reason: 'Broken framing.' });
      assert.deepEqual(seen, [], JSON.stringify(ch));
    }
  });

  test('one long frame written to many sockets reaches each as the same text message', async () => {
    // From the second socket on, the frame goes out as one shared Buffer.
    const clients = [0, 1, 2].map(() => new WsClient(wsUrl(`${sessionPath()}/websocket`)));
    for (const c of clients) assert.equal(await c.message(1), 'o');
    const binary: boolean[] = [];
    for (const c of clients) c.ws.on('message', (_d, isBinary) => binary.push(isBinary));
    const conns = s.connections.slice(-3);
    const long = `${'é'.repeat(300)}\u{1f600}${'x'.repeat(300)}`;
    const frame = (round: number) =>
      `a["${round}${'é'.repeat(300)}\\ud83d\\ude00${'x'.repeat(300)}"]`;
    for (const round of [1, 2]) {
      for (const conn of conns) conn.write(`${round}${long}`);
      for (const c of clients) assert.equal(await c.message(round + 1), frame(round));
    }
    assert.deepEqual(binary, [false, false, false, false, false, false]);
    for (const c of clients) c.ws.close();
  });

  test('the close frame is followed by a WebSocket close', async () => {
    const ws = new WsClient(wsUrl(`${sessionPath('/close')}/websocket`));
    assert.equal(await ws.message(1), 'o');
    assert.equal(await ws.message(2), 'c[3000,"Go away!"]');
    assert.deepEqual(await ws.closed(), { code: 3000, reason: 'Go away!' });
    assert.equal(ws.messages.length, 2);
  });

  test('the server id is ignored and ids with a dot are 404', async () => {
    const ok = new WsClient(wsUrl('/echo/anything/abc/websocket'));
    assert.equal(await ok.message(1), 'o');
    ok.ws.close();
    const bad = new WsClient(wsUrl('/echo/000/a.b/websocket'));
    await assert.rejects(bad.opened, /unexpected response 404/);
  });

  test('hybi-13 handshake: Sec-WebSocket-Accept as RFC 6455 computes it', async () => {
    const sock = new RawSocket(s.port);
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    sock.socket.write(
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await sock.waitText('\r\n\r\n');
    const head = sock.text.slice(0, sock.text.indexOf('\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.1 101 /);
    assert.match(head, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
    // Then the unmasked text frame 'o'.
    await sock.waitBytes(head.length + 4 + 3);
    assert.deepEqual([...sock.data.subarray(head.length + 4, head.length + 7)], [0x81, 1, 0x6f]);
    sock.socket.destroy();
  });

  test('GET only; a POST upgrade is 405', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `POST ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
        'Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n',
    );
    await sock.waitClose();
    assert.match(sock.text, /^HTTP\/1\.1 405 /);
    assert.match(sock.text, /\r\nAllow: GET\r\n/);
  });
});

describe('hixie-76', () => {
  // The example of draft-hixie-thewebsocketprotocol-76, section 1.3.
  const KEY1 = '4 @1  46546xW%0l 1 5';
  const KEY2 = '12998 5 Y3 1  .P00';
  const KEY3 = '^n:ds[4U';
  const ANSWER = "8jKS'y:G*Co,Wxa-";

  function handshake(path: string): string {
    return (
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n` +
      `Origin: http://example.com\r\nSec-WebSocket-Key1: ${KEY1}\r\nSec-WebSocket-Key2: ${KEY2}\r\n\r\n`
    );
  }

  test('headers first, 101, then the key body and the 16-byte answer; frames both ways', async () => {
    const path = `${sessionPath()}/websocket`;
    const sock = new RawSocket(s.port);
    sock.socket.write(handshake(path));
    await sock.waitText('\r\n\r\n');
    const headEnd = sock.text.indexOf('\r\n\r\n') + 4;
    const head = sock.text.slice(0, headEnd);
    assert.match(head, /^HTTP\/1\.1 101 WebSocket Protocol Handshake\r\n/);
    assert.match(head, /\r\nUpgrade: WebSocket\r\n/);
    assert.match(head, /\r\nConnection: Upgrade\r\n/);
    assert.match(head, /\r\nSec-WebSocket-Origin: http:\/\/example\.com\r\n/);
    assert.match(
      head,
      new RegExp(`\\r\\nSec-WebSocket-Location: ws://127\\.0\\.0\\.1${path}\\r\\n`),
    );
    await sleep(30);
    assert.equal(sock.data.length, headEnd, 'nothing before the key body arrives');
    sock.socket.write(KEY3);
    await sock.waitBytes(headEnd + 16 + 3);
    assert.equal(sock.data.subarray(headEnd, headEnd + 16).toString('latin1'), ANSWER);
    assert.deepEqual([...sock.data.subarray(headEnd + 16, headEnd + 19)], [0x00, 0x6f, 0xff]);
    const start = headEnd + 19;
    sock.socket.write(
      Buffer.concat([Buffer.from([0]), Buffer.from('["hixie ✓"]'), Buffer.from([0xff])]),
    );
    const expected = Buffer.concat([
      Buffer.from([0]),
      Buffer.from('a["hixie ✓"]'),
      Buffer.from([0xff]),
    ]);
    await sock.waitBytes(start + expected.length);
    assert.deepEqual(sock.data.subarray(start, start + expected.length), expected);
    // The closing handshake: 0xFF 0x00 is answered and the socket closes.
    sock.socket.write(Buffer.from([0xff, 0x00]));
    await sock.waitClose();
    assert.deepEqual([...sock.data.subarray(start + expected.length)], [0xff, 0x00]);
  });

  test('the challenge answer is MD5 of the key numbers and the key body', () => {
    const n1 = 4146546015 / 5; // digits of KEY1 over its spaces
    const n2 = 1299853100 / 5;
    const buf = Buffer.alloc(16);
    buf.writeUInt32BE(n1, 0);
    buf.writeUInt32BE(n2, 4);
    buf.write(KEY3, 8, 'latin1');
    assert.equal(createHash('md5').update(buf).digest().toString('latin1'), ANSWER);
  });

  test('invalid UTF-8 inside a plain literal is echoed as U+FFFD, never as the bytes that came', async () => {
    // hixie-76 frames are not UTF-8 checked the way RFC 6455 ones are.
    const sock = new RawSocket(s.port);
    sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
    await sock.waitText('\x00o\xff');
    const start = sock.data.length;
    const body = Buffer.concat([
      Buffer.from('x'.repeat(100)),
      Buffer.from([0xc3]),
      Buffer.from('y'.repeat(100)),
    ]);
    for (let round = 0; round < 2; round++) {
      sock.socket.write(
        Buffer.concat([Buffer.from([0, 0x5b, 0x22]), body, Buffer.from([0x22, 0x5d, 0xff])]),
      );
    }
    const frame = `\x00a["${'x'.repeat(100)}\\ufffd${'y'.repeat(100)}"]\xff`;
    await sock.waitBytes(start + 2 * frame.length);
    assert.equal(sock.data.subarray(start).toString('latin1'), frame + frame);
    sock.socket.destroy();
  });

  test('a key body sent with the headers works too', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
    await sock.waitText(ANSWER);
    await sock.waitText('\x00o\xff');
    sock.socket.destroy();
  });

  test('invalid keys get 400 and the server keeps serving', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
        'Upgrade: WebSocket\r\nSec-WebSocket-Key1: nodigits here\r\nSec-WebSocket-Key2: 1 2\r\n\r\n',
    );
    await sock.waitClose();
    assert.match(sock.text, /^HTTP\/1\.1 400 /);
    await assertAlive(s.port);
  });

  for (const [key1, why] of [
    ['1 2 3', 'a number its spaces do not divide'],
    ['99 999 999 999', 'a number past 32 bits'],
  ]) {
    test(`a key that encodes ${why} gets 400`, async () => {
      const sock = new RawSocket(s.port);
      sock.socket.write(
        `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
          `Upgrade: WebSocket\r\nSec-WebSocket-Key1: ${key1}\r\nSec-WebSocket-Key2: ${KEY2}\r\n\r\n${KEY3}`,
      );
      await sock.waitClose();
      assert.match(sock.text, /^HTTP\/1\.1 400 /);
      await assertAlive(s.port);
    });
  }

  test('an invalid second key gets 400 too', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
        `Upgrade: WebSocket\r\nSec-WebSocket-Key1: ${KEY1}\r\nSec-WebSocket-Key2: no digits\r\n\r\n${KEY3}`,
    );
    await sock.waitClose();
    assert.match(sock.text, /^HTTP\/1\.1 400 /);
  });

  const HEAD_WITHOUT_ORIGIN = (path: string) =>
    'HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Location: ws://127.0.0.1${path}\r\n\r\n`;

  test('no origin: the 101 names none', async () => {
    const path = `${sessionPath()}/websocket`;
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n` +
        `Sec-WebSocket-Key1: ${KEY1}\r\nSec-WebSocket-Key2: ${KEY2}\r\n\r\n`,
    );
    await sock.waitText('\r\n\r\n');
    assert.equal(sock.text, HEAD_WITHOUT_ORIGIN(path));
    sock.socket.destroy();
  });

  test('Sec-WebSocket-Origin (an older draft’s header) is answered as Origin is', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
        'Upgrade: WebSocket\r\nSec-WebSocket-Origin: http://old.example\r\n' +
        `Sec-WebSocket-Key1: ${KEY1}\r\nSec-WebSocket-Key2: ${KEY2}\r\n\r\n`,
    );
    await sock.waitText('\r\n\r\n');
    assert.match(sock.text, /\r\nSec-WebSocket-Origin: http:\/\/old\.example\r\n/);
    sock.socket.destroy();
  });

  test('a client that hangs up without the closing handshake ends its session', {
    timeout: 10_000,
  }, async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
    await sock.waitText('\x00o\xff');
    const conn = s.connections.at(-1)!;
    const closed = new Promise<void>((resolve) => conn.on('close', () => resolve()));
    sock.socket.destroy();
    await closed;
  });

  test('a client that reads nothing: the socket’s backlog holds back the session’s writes', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
    await sock.waitText('\x00o\xff');
    sock.socket.pause();
    const conn = s.connections.at(-1)!;
    const chunk = 'x'.repeat(16 * 1024);
    let writes = 0;
    // Bounded: 4,000 writes of 16 KiB (64 MiB) is far past any socket buffer.
    while (conn.write(chunk) && writes < 4000) {
      writes++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(writes < 4000, 'write() never returned false');
    // Reading again drains the backlog: 'drain', then what comes after.
    const drained = new Promise((resolve) => conn.once('drain', resolve));
    sock.socket.resume();
    await drained;
    conn.write('after the backlog');
    await sock.waitText('\x00a["after the backlog"]\xff', 10_000);
    sock.socket.destroy();
  });

  test('the key body and a frame in one packet: the frame is read', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(
      Buffer.concat([
        Buffer.from(handshake(`${sessionPath()}/websocket`) + KEY3, 'latin1'),
        Buffer.from('\x00["with the key"]\xff', 'latin1'),
      ]),
    );
    await sock.waitText('\x00a["with the key"]\xff');
    sock.socket.destroy();
  });

  test('a frame split across packets is read whole', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
    await sock.waitText('\x00o\xff');
    const frame = Buffer.from('\x00["split in three"]\xff', 'latin1');
    for (const part of [frame.subarray(0, 5), frame.subarray(5, 12), frame.subarray(12)]) {
      sock.socket.write(part);
      await sleep(20);
    }
    await sock.waitText('\x00a["split in three"]\xff');
    sock.socket.destroy();
  });

  test('a frame of another type (binary) cuts the socket', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
    await sock.waitText('\x00o\xff');
    sock.socket.write(Buffer.from([0x80, 0x01, 0x41]));
    await sock.waitClose();
    // Cut, with no closing handshake.
    assert.ok(sock.text.endsWith('\x00o\xff'), sock.text);
    await assertAlive(s.port);
  });

  test('the server’s close: the close frame, then 0xFF 0x00 and the end', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
    await sock.waitText('\x00o\xff');
    s.connections.at(-1)!.close(3000, 'Go away!');
    await sock.waitClose();
    assert.ok(sock.text.endsWith('\x00o\xff\x00c[3000,"Go away!"]\xff\xff\x00'), sock.text);
  });

  test('a socket closed by the server’s closing handshake is done: shutdown does not wait for it', {
    timeout: 10_000,
  }, async () => {
    const own = await startServer();
    try {
      const sock = new RawSocket(own.port);
      sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
      await sock.waitText('\x00o\xff');
      own.connections.at(-1)!.close(3000, 'Go away!');
      await sock.waitClose();
      // Nothing left in flight: shutdown ends at once, not at its timeout.
      await own.echo.close(1001, 'Going away', 60_000);
    } finally {
      await own.stop();
    }
  });

  test('a frame longer than max_body_size is cut before its end comes; one of exactly that size is not', async () => {
    const small = await startServer({ max_body_size: 1000 });
    try {
      const open = async () => {
        const sock = new RawSocket(small.port);
        sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
        await sock.waitText('\x00o\xff');
        return sock;
      };
      // 0x00 and 999 bytes buffered: exactly max_body_size, still waiting for 0xFF.
      const fits = await open();
      const message = 'y'.repeat(995);
      fits.socket.write(`\x00["${message}"]`);
      await sleep(20);
      fits.socket.write('\xff', 'latin1');
      await fits.waitText(`\x00a["${message}"]\xff`);
      fits.socket.destroy();
      const over = await open();
      over.socket.write(`\x00["${message}x"]`);
      await over.waitClose();
    } finally {
      await small.stop();
    }
  });

  test('a key that encodes 0xffffffff, the largest number, works', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
        `Upgrade: WebSocket\r\nSec-WebSocket-Key1: 429496 7295\r\nSec-WebSocket-Key2: ${KEY2}\r\n\r\n${KEY3}`,
    );
    await sock.waitText('\x00o\xff');
    assert.match(sock.text, /^HTTP\/1\.1 101 /);
    sock.socket.destroy();
  });

  test('an idle session gets its heartbeats and stays open (no ping to answer)', async () => {
    const quick = await startServer({ heartbeat_delay: 50 });
    try {
      const sock = new RawSocket(quick.port);
      sock.socket.write(handshake(`${sessionPath()}/websocket`) + KEY3);
      await sock.waitText('\x00o\xff');
      await sock.waitText('\x00h\xff\x00h\xff\x00h\xff');
      assert.equal(sock.socket.destroyed, false);
      sock.socket.destroy();
    } finally {
      await quick.stop();
    }
  });

  for (const lone of ['Key1', 'Key2']) {
    test(`one hixie-76 key header (${lone}) alone does not make a hixie-76 handshake`, async () => {
      const sock = new RawSocket(s.port);
      sock.socket.write(
        `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
          'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-${lone}: ${KEY1}\r\n\r\n`,
      );
      await sock.waitText('\r\n\r\n');
      assert.match(sock.text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
      assert.match(sock.text, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
      sock.socket.destroy();
    });
  }
});

describe('raw websocket', () => {
  test('a hixie-76 handshake is refused (400): raw websocket clients speak RFC 6455', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(
      'GET /echo/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n' +
        'Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n' +
        'Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n^n:ds[4U',
    );
    await sock.waitClose();
    assert.match(sock.text, /^HTTP\/1\.1 400 /);
  });

  test('plain messages with no framing and no o', async () => {
    const ws = new WsClient(wsUrl('/echo/websocket'));
    await ws.opened;
    ws.ws.send('hello');
    ws.ws.send('["not", "parsed"]');
    assert.equal(await ws.message(1), 'hello');
    assert.equal(await ws.message(2), '["not", "parsed"]');
    const conn = s.connections.at(-1)!;
    assert.equal(conn.protocol, 'websocket-raw');
    ws.ws.close();
  });

  test('long messages echoed and relayed as the bytes they came in, intact', async () => {
    const clients = [0, 1].map(() => new WsClient(wsUrl('/echo/websocket')));
    for (const c of clients) await c.opened;
    const [, other] = s.connections.slice(-2);
    const texts = [
      'a'.repeat(511),
      'b'.repeat(512),
      `${'é'.repeat(300)}€😀${'z'.repeat(300)}`,
      `${'\u0000'.repeat(600)}"\\`,
      'c'.repeat(70_000),
    ];
    // A client that stopped reading: echoes wait in its socket meanwhile.
    clients[0]!.ws.pause();
    for (const t of texts) clients[0]!.ws.send(t);
    await sleep(100);
    other!.write(texts[2]!);
    clients[0]!.ws.resume();
    await clients[0]!.until(() => clients[0]!.messages.length >= texts.length, 'echoes');
    assert.deepEqual(clients[0]!.messages, texts);
    assert.equal(await clients[1]!.message(1), texts[2]);
    for (const c of clients) c.ws.close();
  });

  test('an application close travels in the WebSocket close frame', async () => {
    const ws = new WsClient(wsUrl('/close/websocket'));
    await ws.opened;
    assert.deepEqual(await ws.closed(), { code: 3000, reason: 'Go away!' });
    assert.deepEqual(ws.messages, []);
  });
});

describe('websocket disabled', () => {
  let d: TestServer;
  before(async () => {
    d = await startServer({ websocket: false });
  });
  after(() => d.stop());

  test('/info says websocket: false', async () => {
    const r = await request(d.port, '/echo/info');
    assert.equal(JSON.parse(r.body).websocket, false);
  });

  test('upgrades are 404, SockJS and raw alike; plain GETs too', async () => {
    for (const path of [`${sessionPath()}/websocket`, '/echo/websocket']) {
      const ws = new WsClient(`ws://127.0.0.1:${d.port}${path}`);
      await assert.rejects(ws.opened, /unexpected response 404/, path);
      const r = await request(d.port, path);
      assert.equal(r.status, 404, path);
    }
  });

  test('a hixie-76 upgrade is 404 too', async () => {
    const sock = new RawSocket(d.port);
    sock.socket.write(
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
        'Upgrade: WebSocket\r\nSec-WebSocket-Key1: 1 2\r\nSec-WebSocket-Key2: 3 4\r\n\r\n',
    );
    await sock.waitClose();
    assert.match(sock.text, /^HTTP\/1\.1 404 /);
  });
});
