// Fuzz of a live server on 127.0.0.1: random methods, paths under the
// prefix, headers and bodies over raw TCP (random bytes, huge bodies,
// requests cut short), and random WebSocket frames. Every request must be
// answered or closed within a deadline, with a valid status (no 5xx but the
// documented ones), and a normal echo must still work at the end. A request
// that is valid HTTP (complete, a method the server knows, no upgrade) must
// be answered, never just closed, and the fixed routes must get their
// documented status; only broken requests may be closed without an answer.
//
// `npm test` runs a bounded slice on the fixed seeds of test/helpers/seeds.ts.
// `npm run fuzz` sets FUZZ_SEED and FUZZ_SECONDS or FUZZ_RUNS and this file
// prints the cases run; a failing case is printed whole, with the seed that
// generated it and the command that replays it.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { clientStringify } from '../../packages/protocol/src/index.js';
import { replayCommand, seeds } from '../helpers/seeds.ts';
import { inParallel } from '../helpers/timing.ts';
import { clientFrame, type Harness, newSessionId, request, startHarness } from './helpers.js';

const FUZZ_SECONDS = Number(process.env.FUZZ_SECONDS ?? 0);
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 0);
const CONCURRENCY = 6;
/** Time a case has to be answered or closed. Generous: the machine may be busy. */
const DEADLINE_MS = 4000;
const MAX_BODY = 32 * 1024;

/** The 500 answers the server may give (these bodies). */
const DOCUMENTED_500 = new Set([
  'Payload expected.',
  'Broken JSON encoding.',
  '"callback" parameter required',
  'invalid "callback" parameter',
]);
/**
 * The methods the HTTP/1.1 layer serves; it answers any other with 501 (as
 * docs/api.md documents), where node:http refuses it with 400.
 */
const HTTP1_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

let h: Harness;
before(async () => {
  h = await startHarness({
    heartbeat_delay: 250,
    disconnect_delay: 500,
    response_limit: 4096,
    max_body_size: MAX_BODY,
    max_message_size: 8 * 1024,
  });
});
after(() => h.stop());

// Sessions the cases share, so that sends and second receivers meet open
// sessions, not only unknown ones.
const SESSION_POOL = ['p1', 'p2', 'p3', 'p4'];
const TRANSPORTS = [
  'xhr',
  'xhr_send',
  'xhr_streaming',
  'eventsource',
  'htmlfile',
  'jsonp',
  'jsonp_send',
  'websocket',
];

const token = fc.string({
  unit: fc.constantFrom(...'abcxyzABC019-_.~!$'),
  minLength: 1,
  maxLength: 8,
});
const rawPathChars = fc.string({
  unit: fc.oneof(
    fc.constantFrom('/', '.', '%', '%00', '%2f', '..', '?', '#', ';', '\u00e9', '\x7f'),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }).filter((c) => c > ' '),
  ),
  maxLength: 16,
});
const sessionId = fc.oneof(fc.constantFrom(...SESSION_POOL), token, rawPathChars);
const path = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('', '/', '/info', '/iframe.html', '/iframe-0.3.3.html', '/websocket', '/x'),
      fc
        .tuple(token, sessionId, fc.constantFrom(...TRANSPORTS, 'bogus'))
        .map(([s, id, t]) => `/${s}/${id}/${t}`),
      rawPathChars.map((p) => `/${p}`),
    ),
    fc.oneof(
      fc.constant(''),
      fc.constantFrom(
        '?c=cb',
        '?callback=x.y',
        '?c=',
        '?c=%3Cscript%3E',
        `?c=${'a'.repeat(40)}`,
        '?d=["x"]',
      ),
      rawPathChars.map((q) => `?${q}`),
    ),
  )
  .map(([p, q]) => `/echo${p}${q}`);

const header = fc.oneof(
  fc.tuple(
    fc.constant('Origin'),
    fc.constantFrom('null', 'http://a.example', 'https://127.0.0.1', ''),
  ),
  fc.tuple(fc.constant('Referer'), fc.constantFrom('http://a.example/x', 'not a url', '')),
  fc.tuple(
    fc.constant('Content-Type'),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json', 'x/y'),
  ),
  fc.tuple(fc.constant('Cookie'), fc.constantFrom('JSESSIONID=abc', 'JSESSIONID=a;b', 'x=y')),
  fc.tuple(fc.constant('Access-Control-Request-Headers'), token),
  fc.tuple(fc.constant('Upgrade'), fc.constantFrom('websocket', 'WebSocket', 'h2c')),
  fc.tuple(fc.constant('Connection'), fc.constantFrom('Upgrade', 'close', 'keep-alive')),
  fc.tuple(
    fc.constant('Sec-WebSocket-Key'),
    fc.constantFrom('dGhlIHNhbXBsZSBub25jZQ==', 'short', ''),
  ),
  fc.tuple(fc.constant('Sec-WebSocket-Version'), fc.constantFrom('13', '8', '99')),
  fc.tuple(fc.constant('Sec-WebSocket-Key1'), fc.constantFrom('4 @1  46546xW%0l 1 5', 'x')),
  fc.tuple(fc.constant('Sec-WebSocket-Key2'), fc.constantFrom('12998 5 Y3 1  .P00', '0')),
  fc.tuple(fc.constant('Expect'), fc.constant('100-continue')),
  fc.tuple(token, token),
);

const anyText = fc.string({ unit: 'binary', maxLength: 30 });
const body = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.array(anyText, { maxLength: 4 }).map((a) => Buffer.from(clientStringify(a))),
  fc.json().map((j) => Buffer.from(j)),
  fc
    .array(anyText, { maxLength: 3 })
    .map((a) => Buffer.from(`d=${encodeURIComponent(JSON.stringify(a))}`)),
  fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
  fc
    .integer({ min: MAX_BODY - 8, max: MAX_BODY * 3 })
    .map((n) => Buffer.from(`["${'x'.repeat(n)}"]`)),
);

type Framing = 'length' | 'chunked' | 'none' | 'short-length' | 'cut-head' | 'garbage';

interface HttpCase {
  method: string;
  path: string;
  headers: [string, string][];
  body: Buffer;
  framing: Framing;
  /** Half-close after sending (FIN), or keep the socket open. */
  fin: boolean;
  garbage: Buffer;
}

const httpCase: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'DELETE', 'FOO', 'get'),
  path,
  headers: fc.array(header, { maxLength: 5 }),
  body,
  framing: fc.constantFrom<Framing>(
    'length',
    'length',
    'chunked',
    'none',
    'short-length',
    'cut-head',
    'garbage',
  ),
  fin: fc.boolean(),
  garbage: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)),
});

function encodeRequest(c: HttpCase): Buffer {
  if (c.framing === 'garbage') return c.garbage;
  const lines = [`${c.method} ${c.path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [k, v] of c.headers) lines.push(`${k}: ${v}`);
  let payload = c.body;
  if (c.framing === 'length') lines.push(`Content-Length: ${payload.length}`);
  if (c.framing === 'short-length') lines.push(`Content-Length: ${payload.length + 100}`);
  if (c.framing === 'chunked') {
    lines.push('Transfer-Encoding: chunked');
    payload = Buffer.concat([
      payload.length > 0 ? Buffer.from(`${payload.length.toString(16)}\r\n`) : Buffer.alloc(0),
      payload,
      Buffer.from(payload.length > 0 ? '\r\n0\r\n\r\n' : '0\r\n\r\n'),
    ]);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (c.framing === 'cut-head') return head.subarray(0, Math.floor(head.length / 2));
  return Buffer.concat([head, payload]);
}

/** A request that cannot end on its own unless the client closes its side. */
function needsFin(c: HttpCase): boolean {
  return c.framing === 'short-length' || c.framing === 'cut-head' || c.framing === 'garbage';
}

interface Outcome {
  status: number | null;
  body: string;
}

/** Sends the case; resolves once the status line and headers (and a 5xx body) arrived, or the socket closed. */
function runHttp(c: HttpCase): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(h.port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let finished = false;
    const finish = (outcome: Outcome | Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `no answer and no close within ${DEADLINE_MS} ms; got ${JSON.stringify(data.toString('latin1').slice(0, 200))}`,
          ),
        ),
      DEADLINE_MS,
    );
    const parse = (closed: boolean) => {
      const text = data.toString('latin1');
      // Skip interim answers (100 Continue).
      const final = text.replace(
        /^(HTTP\/1\.[01] 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+(?=HTTP)/,
        '',
      );
      const end = final.indexOf('\r\n\r\n');
      if (end === -1) {
        if (closed) finish({ status: null, body: '' });
        return;
      }
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(final);
      if (!m)
        return finish(new Error(`not an HTTP answer: ${JSON.stringify(final.slice(0, 100))}`));
      const status = Number(m[1]);
      if (status === 100 && !closed) return;
      const bodyText = final.slice(end + 4);
      if (status < 500) return finish({ status, body: '' });
      const length = /\r\ncontent-length: (\d+)/i.exec(final.slice(0, end));
      // Latin-1 text has one character per byte. Whatever follows the
      // body belongs to the next answer (pipelined leftovers of the request).
      if (closed || (length && bodyText.length >= Number(length[1]))) {
        const own = length ? bodyText.slice(0, Number(length[1])) : bodyText;
        finish({ status, body: Buffer.from(own, 'latin1').toString('utf8') });
      }
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      parse(false);
    });
    socket.on('error', () => {});
    socket.on('close', () => parse(true));
    socket.write(encodeRequest(c));
    if (c.fin || needsFin(c)) socket.end();
  });
}

/** Transports whose request waits for frames: a client that half-closes it has left. */
const RECEIVING = /\/(xhr|xhr_streaming|eventsource|htmlfile|jsonp)$/;

/**
 * Valid HTTP: a complete request (a Content-Length that matches, chunked, or
 * no body) and nothing after it, with a method the server serves and no upgrade asked for, whose
 * client stays to read the answer (a FIN after a receiving request is the
 * client going away: the receiver is aborted, as SockJS does). Such a
 * request is always answered; a broken one may be closed without an answer.
 */
function isValidHttp(c: HttpCase): boolean {
  const pathname = c.path.split('?', 1)[0]!;
  return (
    (c.framing === 'length' ||
      c.framing === 'chunked' ||
      // Without framing, body bytes would be a broken second request.
      (c.framing === 'none' && c.body.length === 0)) &&
    HTTP1_METHODS.has(c.method) &&
    !c.headers.some(([name]) => name.toLowerCase() === 'upgrade') &&
    !(c.fin && RECEIVING.test(pathname))
  );
}

/** The documented status of the fixed routes (docs/api.md), or null where the case decides. */
function documentedStatus(c: HttpCase): number | null {
  const pathname = c.path.split('?', 1)[0]!;
  // Raw bytes outside the URL grammar are refused (400) before routing.
  if (!/^[\w/.~!$?=%&-]*$/.test(c.path)) return null;
  if (c.method === 'GET') {
    if (pathname === '/echo' || pathname === '/echo/') return 200;
    if (pathname === '/echo/info' || pathname === '/echo/iframe.html') return 200;
  }
  if (c.method === 'OPTIONS' && pathname === '/echo/info') return 204;
  if (pathname === '/echo/x' || /^\/echo\/[^/]+\/[^/]+\/bogus$/.test(pathname)) return 404;
  return null;
}

/** How many cases the oracle held to an answer, and to a documented status. */
const oracle = { cases: 0, valid: 0, documented: 0 };

function checkOutcome(c: HttpCase, o: Outcome): void {
  oracle.cases++;
  if (isValidHttp(c)) {
    oracle.valid++;
    assert.notEqual(o.status, null, 'a valid request was closed without an answer');
    const documented = documentedStatus(c);
    if (documented !== null) {
      oracle.documented++;
      assert.equal(o.status, documented, `status of ${c.method} ${c.path}`);
    }
  }
  if (o.status === null) return; // closed without an answer: allowed for broken requests
  assert.ok(o.status >= 100 && o.status <= 599, `status ${o.status}`);
  if (o.status === 501 && !HTTP1_METHODS.has(c.method)) {
    assert.equal(
      o.body,
      'Method not implemented\n',
      `undocumented 501 body: ${JSON.stringify(o.body)}`,
    );
    return;
  }
  if (o.status >= 500) {
    assert.equal(o.status, 500, `undocumented ${o.status}: ${o.body}`);
    assert.ok(DOCUMENTED_500.has(o.body), `undocumented 500 body: ${JSON.stringify(o.body)}`);
  }
}

interface WsFrame {
  opcode: number;
  fin: boolean;
  masked: boolean;
  payload: Buffer;
}

const wsFrame: fc.Arbitrary<WsFrame> = fc.record({
  opcode: fc.oneof(fc.constantFrom(1, 1, 1, 0, 2, 8, 9, 10), fc.integer({ min: 0, max: 15 })),
  fin: fc.constantFrom(true, true, true, false),
  masked: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
  payload: fc.oneof(
    fc.array(anyText, { maxLength: 4 }).map((a) => Buffer.from(clientStringify(a))),
    fc
      .constantFrom('', '[]', '"lone"', '[1,2]', '{"a":1}', '[', '\u2028')
      .map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80])),
    fc.integer({ min: MAX_BODY - 4, max: MAX_BODY + 100 }).map((n) => Buffer.alloc(n, 0x61)),
  ),
});

interface WsCase {
  raw: boolean;
  frames: WsFrame[];
  tail: Buffer;
}

const wsCase: fc.Arbitrary<WsCase> = fc.record({
  raw: fc.boolean(),
  frames: fc.array(wsFrame, { minLength: 1, maxLength: 5 }),
  tail: fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
  ),
});

function encodeFrame(f: WsFrame): Buffer {
  if (f.masked) return clientFrame(f.opcode, f.payload, f.fin);
  const len = f.payload.length;
  if (len >= 126) return clientFrame(f.opcode, f.payload, f.fin);
  return Buffer.concat([Buffer.from([(f.fin ? 0x80 : 0) | f.opcode, len]), f.payload]);
}

/** Opens a websocket, sends the frames, then a close frame and a FIN: the server must close. */
function runWs(c: WsCase): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(h.port, '127.0.0.1');
    let text = '';
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      socket.destroy();
      reject(
        new Error(
          `websocket not closed within ${DEADLINE_MS} ms: ${JSON.stringify(text.slice(0, 200))}`,
        ),
      );
    }, DEADLINE_MS);
    const url = c.raw ? '/echo/websocket' : `/echo/000/${newSessionId()}/websocket`;
    socket.write(
      `GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    let sent = false;
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!sent && text.includes('\r\n\r\n')) {
        sent = true;
        if (!text.startsWith('HTTP/1.1 101 ')) {
          done = true;
          clearTimeout(timer);
          socket.destroy();
          reject(new Error(`upgrade refused: ${text.slice(0, 100)}`));
          return;
        }
        for (const f of c.frames) socket.write(encodeFrame(f));
        socket.write(c.tail);
        socket.write(clientFrame(8, Buffer.from([0x03, 0xe8])));
        socket.end();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (done) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Runs generated cases in batches with a small pool until the budget is spent. */
async function fuzz<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  run: (c: T) => Promise<void>,
  budget: { runs: number; seconds: number },
): Promise<void> {
  const started = Date.now();
  const bases = seeds();
  let cases = 0;
  for (const base of bases) {
    // Each seed gets its share of the cases: batches of 200 from seed + batch.
    const runs = Math.ceil(budget.runs / bases.length);
    let ran = 0;
    for (let batch = 0; ; batch++) {
      const left = budget.seconds > 0 ? Infinity : runs - ran;
      if (left <= 0 || (budget.seconds > 0 && Date.now() - started > budget.seconds * 1000)) break;
      const seed = base + batch;
      const batchCases = fc.sample(arb, { numRuns: Math.min(200, left), seed });
      await inParallel(batchCases.length, CONCURRENCY, async (i) => {
        const c = batchCases[i]!;
        try {
          await run(c);
        } catch (err) {
          const shown = JSON.stringify(c, (_k, v) =>
            v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1').slice(0, 300) : v,
          );
          const replay = replayCommand('test/hardening/fuzz-live.test.ts', base, (batch + 1) * 200);
          assert.fail(
            `${name} case ${i} of batch seed ${seed} failed (replay: ${replay}): ${(err as Error).message}\ncase: ${shown}`,
          );
        }
        cases++;
        ran++;
        return true;
      });
    }
  }
  if (FUZZ_SECONDS > 0 || FUZZ_RUNS > 0) {
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `fuzz live ${name}: ${cases} cases, ${Math.round(cases / seconds)}/s (seeds ${bases.join(', ')})`,
    );
  }
}

async function echoStillWorks(): Promise<void> {
  const path = `/echo/000/${newSessionId()}`;
  assert.equal((await request(h.port, `${path}/xhr`, { method: 'POST' })).body, 'o\n');
  const send = await request(h.port, `${path}/xhr_send`, { method: 'POST', body: '["still"]' });
  assert.equal(send.status, 204);
  assert.equal((await request(h.port, `${path}/xhr`, { method: 'POST' })).body, 'a["still"]\n');
  const ws = new WebSocket(`ws://127.0.0.1:${h.port}/echo/000/${newSessionId()}/websocket`);
  const got: string[] = [];
  ws.on('message', (d) => {
    got.push(String(d));
    if (got.length === 1) ws.send('["alive"]');
    if (got.length === 2) ws.close();
  });
  await new Promise((resolve) => ws.on('close', resolve));
  assert.deepEqual(got, ['o', 'a["alive"]']);
}

test('random HTTP requests: answered or closed in time, no undocumented 5xx', async () => {
  // Open the pooled sessions first so that cases meet live ones.
  for (const id of SESSION_POOL) await request(h.port, `/echo/000/${id}/xhr`, { method: 'POST' });
  const budget = {
    runs: FUZZ_RUNS > 0 ? FUZZ_RUNS : 1000,
    seconds: FUZZ_SECONDS * 0.8,
  };
  await fuzz('http', httpCase, async (c) => checkOutcome(c, await runHttp(c)), budget);
  // The oracle saw enough valid requests to mean something.
  assert.ok(oracle.valid >= oracle.cases / 10, `only ${oracle.valid} valid requests`);
  assert.ok(oracle.documented >= oracle.cases / 100, `only ${oracle.documented} fixed routes`);
  if (FUZZ_SECONDS > 0 || FUZZ_RUNS > 0) {
    console.log(`fuzz live http: ${oracle.valid} valid, ${oracle.documented} on fixed routes`);
  }
  await echoStillWorks();
});

test('random WebSocket frames: the server closes in time and keeps serving', async () => {
  const budget = {
    runs: FUZZ_RUNS > 0 ? Math.ceil(FUZZ_RUNS / 5) : 150,
    seconds: FUZZ_SECONDS * 0.2,
  };
  await fuzz('websocket', wsCase, runWs, budget);
  await echoStillWorks();
});
