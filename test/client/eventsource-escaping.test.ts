// Eventsource data is %-escaped by sockjs-node and our server, and not at all
// by Spring, Vert.x or sockjs-go. The client must deliver every message
// exactly either way: "%41", "%25", "%0A" and every BMP character, against
// our server and against a minimal SockJS server that does not escape.

import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SockJS } from '../../packages/client/src/node.ts';
import { listen, stopHttp } from '../helpers/http-server.ts';
import { ECHO_SERVICE, type RunningSockjs, startSockjsServer } from '../helpers/sockjs-server.ts';

/** The messages: the tricky ones first, then the BMP in 512-character pieces. */
function messages(): string[] {
  const out = ['%41', '%25', '%0A', '100%', '%2525', '%%', 'a%25b%41c'];
  let piece = '';
  for (let c = 0; c <= 0xffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue; // surrogates are no characters
    piece += String.fromCharCode(c);
    if (piece.length === 512) {
      out.push(piece);
      piece = '';
    }
  }
  if (piece) out.push(piece);
  return out;
}

/** Opens an eventsource session, echoes every message in turn, returns what came back. */
async function roundTrip(url: string, list: string[]): Promise<string[]> {
  const sock = new SockJS(url, null, { transports: ['eventsource'], timeout: 5000 });
  const received: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let timer: NodeJS.Timeout | undefined;
    const sendNext = () => {
      clearTimeout(timer);
      if (next === list.length) {
        sock.close();
        resolve();
        return;
      }
      // A frame the client could not read is dropped: say which message.
      timer = setTimeout(() => {
        sock.close();
        reject(new Error(`no echo of message ${next - 1}: ${JSON.stringify(list[next - 1])}`));
      }, 5000);
      sock.send(list[next++]!);
    };
    sock.onopen = () => {
      assert.equal(sock.transport, 'eventsource');
      sendNext();
    };
    sock.onmessage = (e) => {
      received.push(e.data as string);
      sendNext();
    };
    sock.onclose = (e) => {
      clearTimeout(timer);
      if (received.length < list.length) reject(new Error(`closed ${e.code} ${e.reason}`));
    };
  });
  return received;
}

/**
 * A SockJS server that streams eventsource frames as they are, unescaped, as
 * Spring and sockjs-go do: /info, <session>/eventsource, <session>/xhr_send.
 */
function unescapingServer(): http.Server {
  const streams = new Map<string, ServerResponse>();
  return http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://h').pathname;
    if (path === '/echo/info') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
      res.end('{"websocket":false,"origins":["*:*"],"cookie_needed":false,"entropy":1}');
      return;
    }
    const m = /^\/echo\/[^/]+\/([^/]+)\/(eventsource|xhr_send)$/.exec(path);
    if (m === null) {
      res.writeHead(404).end();
      return;
    }
    const [, session, kind] = m as unknown as [string, string, string];
    if (kind === 'eventsource') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('\r\ndata: o\r\n\r\n');
      streams.set(session, res);
      req.on('close', () => streams.delete(session));
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const items = JSON.parse(body) as string[];
      streams.get(session)?.write(`data: a${JSON.stringify(items)}\r\n\r\n`);
      res.writeHead(204).end();
    });
  });
}

describe('eventsource data arrives exactly', () => {
  let ours: RunningSockjs;
  const theirs = unescapingServer();
  const urls: Record<string, string> = {};

  before(async () => {
    ours = await startSockjsServer({}, [ECHO_SERVICE]);
    urls['our server (escapes)'] = `${ours.base}/echo`;
    urls['a server that does not escape'] = `http://127.0.0.1:${await listen(theirs)}/echo`;
  });
  after(async () => {
    await stopHttp(ours.http, ours.sockjs);
    await stopHttp(theirs);
  });

  for (const name of ['our server (escapes)', 'a server that does not escape']) {
    test(`from ${name}: %41, %25, %0A and every BMP character`, async () => {
      const list = messages();
      const received = await roundTrip(urls[name]!, list);
      assert.equal(received.length, list.length);
      for (let i = 0; i < list.length; i++) {
        assert.equal(
          received[i],
          list[i],
          `message ${i}: ${JSON.stringify(list[i]!.slice(0, 40))}`,
        );
      }
    });
  }
});
