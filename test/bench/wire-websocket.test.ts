// The load generator's own WebSocket client (bench/lib/wire-websocket.js)
// against the `ws` server, and against raw TCP servers that answer what `ws`
// would never send: a bad handshake, masked frames, a frame byte by byte.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
// @ts-expect-error: a JavaScript module of the benchmark, without types
import { WireWebSocket } from '../../bench/lib/wire-websocket.js';

interface Wire {
  readyState: number;
  onopen: (() => void) | null;
  onmessage: ((text: string) => void) | null;
  onclose: ((code: number) => void) | null;
  onerror: ((error: Error) => void) | null;
  send(text: string): void;
  close(code?: number): void;
  terminate(): void;
}

interface Opened {
  client: Wire;
  messages: string[];
  closed: Promise<number>;
  next(): Promise<string>;
}

function connect(url: string): Promise<Opened> {
  const client: Wire = new WireWebSocket(url, { handshakeTimeout: 5000 });
  const messages: string[] = [];
  let ended: string | null = null;
  let wake: (() => void) | null = null;
  client.onmessage = (text) => {
    messages.push(text);
    wake?.();
  };
  const closed = new Promise<number>((resolve) => {
    client.onclose = (code) => {
      ended = `closed ${code}`;
      wake?.();
      resolve(code);
    };
  });
  return new Promise((resolve, reject) => {
    client.onerror = (error) => {
      ended = error.message;
      wake?.();
      reject(error);
    };
    client.onopen = () =>
      resolve({
        client,
        messages,
        closed,
        async next() {
          while (messages.length === 0) {
            if (ended !== null) throw new Error(`no message: ${ended}`);
            await new Promise<void>((r) => (wake = r));
          }
          return messages.shift() as string;
        },
      });
  });
}

/** The error a connection ends with, when it ends with one. */
function failure(url: string): Promise<Error> {
  const client: Wire = new WireWebSocket(url, { handshakeTimeout: 5000 });
  return new Promise((resolve, reject) => {
    client.onerror = resolve;
    client.onopen = () => reject(new Error('opened'));
  });
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('bench wire websocket client against ws', () => {
  let http: Server;
  let wss: WebSocketServer;
  let url: string;
  const accepted: WebSocket[] = [];

  before(async () => {
    http = createHttpServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    wss = new WebSocketServer({ noServer: true });
    http.on('upgrade', (req, socket, head) => {
      if (req.url !== '/echo') {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        accepted.push(ws);
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      });
    });
    url = `ws://127.0.0.1:${await listen(http)}/echo`;
  });

  after(async () => {
    for (const ws of wss.clients) ws.terminate();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  test('echoes text of every frame length class, multi-byte UTF-8 included', async () => {
    const { client, next } = await connect(url);
    // 7-bit, 16-bit and 64-bit lengths, at their edges, in UTF-8 bytes.
    for (const bytes of [0, 1, 125, 126, 65_535, 65_536, 300_000]) {
      const text = 'é'.repeat(Math.floor(bytes / 2)) + 'x'.repeat(bytes % 2);
      assert.equal(Buffer.byteLength(text), bytes);
      client.send(text);
      assert.equal(await next(), text, `${bytes} bytes`);
    }
    client.send('😀 \u2028 "\\');
    assert.equal(await next(), '😀 \u2028 "\\');
    client.close();
  });

  test('joins a fragmented message, answers a ping, and ends on the server close code', async () => {
    const { client, next, closed } = await connect(url);
    const server = accepted.at(-1) as WebSocket;
    server.send('first half, ', { fin: false });
    server.send('second half', { fin: true });
    assert.equal(await next(), 'first half, second half');
    const pong = once(server, 'pong');
    server.ping('are you there');
    assert.equal(String((await pong)[0]), 'are you there');
    const serverClosed = once(server, 'close');
    server.close(4001, 'bye');
    assert.equal(await closed, 4001);
    assert.equal((await serverClosed)[0], 4001, 'the client answered with the same code');
    assert.equal(client.readyState, WireWebSocket.CLOSED);
  });

  test('close(1000) from the client completes the closing handshake', async () => {
    const { client, closed } = await connect(url);
    const server = accepted.at(-1) as WebSocket;
    const serverClosed = once(server, 'close');
    client.close(1000);
    assert.equal((await serverClosed)[0], 1000);
    assert.equal(await closed, 1000);
  });

  test('a refused upgrade is an error naming the status', async () => {
    const error = await failure(url.replace('/echo', '/nope'));
    assert.match(error.message, /websocket refused: HTTP 403/);
  });
});

describe('bench wire websocket client against raw TCP servers', () => {
  let server: ReturnType<typeof createTcpServer>;
  let port: number;
  let answer: (socket: Socket, key: string) => void = () => {};

  before(async () => {
    server = createTcpServer((socket) => {
      let head = '';
      socket.on('data', (chunk) => {
        head += chunk.toString('latin1');
        const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1];
        if (head.includes('\r\n\r\n') && key !== undefined) answer(socket, key);
      });
      socket.on('error', () => {});
    });
    port = await listen(server);
  });

  after(() => new Promise((resolve) => server.close(resolve)));

  const acceptFor = async (key: string) => {
    const { createHash } = await import('node:crypto');
    return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  };
  const upgraded = (accept: string) =>
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${accept}\r\n\r\n`;

  test('a connection closed during the handshake is an error saying so', async () => {
    answer = (socket) => socket.end();
    const error = await failure(`ws://127.0.0.1:${port}/`);
    assert.match(error.message, /closed before the websocket handshake completed/);
  });

  test('a wrong Sec-WebSocket-Accept is an error', async () => {
    answer = (socket) => socket.write(upgraded('d3Jvbmc='));
    const error = await failure(`ws://127.0.0.1:${port}/`);
    assert.match(error.message, /Sec-WebSocket-Accept d3Jvbmc=/);
  });

  test('a frame that arrives one byte at a time, in the same packet as the 101 or not', async () => {
    const text = 'x'.repeat(200);
    const frame = Buffer.concat([Buffer.from([0x81, 126, 0, 200]), Buffer.from(text)]);
    answer = async (socket, key) => {
      const hi = Buffer.from([0x81, 2, 0x68, 0x69]);
      socket.write(Buffer.concat([Buffer.from(upgraded(await acceptFor(key))), hi]));
      for (const byte of frame) {
        socket.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
    };
    const { client, next } = await connect(`ws://127.0.0.1:${port}/`);
    assert.equal(await next(), 'hi');
    assert.equal(await next(), text);
    client.terminate();
  });

  test('a masked frame from the server is a protocol error', async () => {
    answer = async (socket, key) => {
      socket.write(upgraded(await acceptFor(key)));
      setTimeout(() => socket.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69, 0x6b])), 20);
    };
    const { client } = await connect(`ws://127.0.0.1:${port}/`);
    const error = await new Promise<Error>((resolve) => {
      client.onerror = resolve;
    });
    assert.match(error.message, /protocol error: a masked frame/);
    assert.equal(client.readyState, WireWebSocket.CLOSED);
  });
});
