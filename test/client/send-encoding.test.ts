// End-to-end: the bytes the Node client posts on each HTTP transport are
// SockJS's client escaping, not plain JSON.stringify: every character of the
// client's table (C1 controls, soft hyphen, Arabic and Syriac format
// characters, Khmer vowels, zero-width and separators, BOM, specials) goes
// out as lowercase \uXXXX, other non-ASCII text goes out raw, and the server
// hands the application the message that was sent.

import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, test } from 'node:test';
import { SockJS, type TransportName } from '../../packages/client/src/node.ts';
import { stopHttp } from '../helpers/http-server.ts';
import { type RunningSockjs, startSockjsServer } from '../helpers/sockjs-server.ts';
import { withDeadline } from '../helpers/timing.ts';

/** The client's escaping table, written out here rather than imported. */
const ESCAPED_RANGES: [number, number][] = [
  [0x7f, 0x9f],
  [0xad, 0xad],
  [0x600, 0x604],
  [0x70f, 0x70f],
  [0x17b4, 0x17b5],
  [0x200c, 0x200f],
  [0x2028, 0x202f],
  [0x2060, 0x206f],
  [0xfeff, 0xfeff],
  [0xfff0, 0xffff],
];

const escapable: string[] = [];
for (const [from, to] of ESCAPED_RANGES)
  for (let c = from; c <= to; c++) escapable.push(String.fromCharCode(c));

const hex = (ch: string) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');

// Each escapable character between dots, then text that stays raw (Latin-1,
// CJK), an astral character (its surrogates are in the table too) and what
// JSON itself escapes.
const MESSAGE = escapable.join('.') + '|é日本😀"\\\n';
const EXPECTED_BODY = `["${escapable.map(hex).join('.')}|é日本\\ud83d\\ude00\\"\\\\\\n"]`;

const sendBodies: string[] = [];
const received: string[] = [];
let server: RunningSockjs;
before(async () => {
  server = await startSockjsServer({}, [
    {
      prefix: '/echo',
      app: (conn) =>
        conn.on('data', (m: string) => {
          received.push(m);
          conn.write('got it');
        }),
    },
  ]);
  server.http.prependListener('request', (req: http.IncomingMessage) => {
    if (!req.url?.endsWith('/xhr_send')) return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => sendBodies.push(Buffer.concat(chunks).toString('utf8')));
  });
});
after(() => stopHttp(server.http, server.sockjs));

test('the expected body is what the protocol table asks for', () => {
  assert.equal(escapable.length, 33 + 1 + 5 + 1 + 2 + 4 + 8 + 16 + 1 + 16);
  assert.equal(JSON.parse(EXPECTED_BODY)[0], MESSAGE);
});

for (const transport of [
  'xhr-streaming',
  'eventsource',
  'xhr-polling',
] as const satisfies readonly TransportName[]) {
  test(`${transport}: xhr_send carries the client's escaping byte for byte`, async () => {
    sendBodies.length = 0;
    received.length = 0;
    const sock = new SockJS(`${server.base}/echo`, null, { transports: [transport] });
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        sock.onopen = () => resolve();
        sock.onclose = (e) => reject(new Error(`closed: ${e.code} ${e.reason}`));
      }),
      10_000,
      'open',
    );
    const answered = new Promise<string>((resolve) => {
      sock.onmessage = (e) => resolve(e.data);
    });
    sock.send(MESSAGE);
    assert.equal(await withDeadline(answered, 10_000, 'answer'), 'got it');
    assert.equal(sock.transport, transport);
    assert.deepEqual(sendBodies, [EXPECTED_BODY]);
    assert.deepEqual(received, [MESSAGE]);
    sock.close();
  });
}
