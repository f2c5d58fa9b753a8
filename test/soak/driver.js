// The soak driver: opens, uses and closes sessions on every transport against
// the server in test/soak/server.js (a child process), samples its heap and
// RSS every second, and reports the growth rate and what is left at the end.
// Loopback only; bounded by time and by the number of sessions.

import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));
const SESSION_TIMEOUT_MS = 15_000;
const MESSAGES = ['m1', 'm\u2028"2', 'm3 \u00e9'];

export const TRANSPORTS = [
  'websocket',
  'websocket-raw',
  'xhr-streaming',
  'eventsource',
  'htmlfile',
  'xhr-polling',
  'jsonp-polling',
];

let sessionCounter = 0;
const newId = () => `soak${++sessionCounter}`;

function httpRequest(agent, port, path, method = 'GET', body = undefined, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** SockJS frames out of a response body, per transport. */
const FRAME_READERS = {
  'xhr-streaming': (text) => text.split('\n').filter((l) => /^[oac]/.test(l)),
  'xhr-polling': (text) => text.split('\n').filter((l) => /^[oach]/.test(l)),
  eventsource: (text) => [...text.matchAll(/data: ([^\r]*)\r\n\r\n/g)].map((m) => m[1]),
  htmlfile: (text) => [...text.matchAll(/p\(("(?:[^"\\]|\\.)*")\);/g)].map((m) => JSON.parse(m[1])),
  'jsonp-polling': (text) =>
    [...text.matchAll(/\/\*\*\/cb\(("(?:[^"\\]|\\.)*")\);/g)].map((m) => JSON.parse(m[1])),
};

/** Follows a session's frames: o, the echoed messages, then c[3000,"bye"]. */
class Expectation {
  constructor() {
    this.opened = false;
    this.received = [];
    this.closed = false;
  }
  feed(frame) {
    if (frame === 'o') this.opened = true;
    else if (frame.startsWith('a')) this.received.push(...JSON.parse(frame.slice(1)));
    else if (frame.startsWith('c')) {
      if (frame !== 'c[3000,"bye"]') throw new Error(`unexpected close ${frame}`);
      this.closed = true;
    }
  }
  get echoed() {
    return this.received.length >= MESSAGES.length;
  }
  check() {
    if (JSON.stringify(this.received) !== JSON.stringify(MESSAGES)) {
      throw new Error(`echo mismatch: ${JSON.stringify(this.received)}`);
    }
  }
}

async function until(check, what) {
  const deadline = Date.now() + SESSION_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One session on a streaming transport: receiver stays open, sends go to xhr_send. */
async function streamingSession(agent, port, transport) {
  const id = newId();
  const base = `/echo/000/${id}`;
  const url = {
    'xhr-streaming': [`${base}/xhr_streaming`, 'POST'],
    eventsource: [`${base}/eventsource`, 'GET'],
    htmlfile: [`${base}/htmlfile?c=p`, 'GET'],
  }[transport];
  const read = FRAME_READERS[transport];
  const expect = new Expectation();
  let text = '';
  let seen = 0;
  let ended = false;
  const req = http.request({ host: '127.0.0.1', port, path: url[0], method: url[1], agent });
  req.on('response', (res) => {
    res.setEncoding('utf8');
    res.on('data', (c) => {
      text += c;
      const frames = read(text);
      for (const f of frames.slice(seen)) expect.feed(f);
      seen = frames.length;
    });
    res.on('end', () => {
      ended = true;
    });
  });
  req.on('error', () => {
    ended = true;
  });
  req.end();
  await until(() => expect.opened || ended, `${transport} open`);
  const send = (messages) =>
    httpRequest(agent, port, `${base}/xhr_send`, 'POST', JSON.stringify(messages));
  if ((await send(MESSAGES)).status !== 204) throw new Error('send refused');
  await until(() => expect.echoed || ended, `${transport} echo`);
  expect.check();
  await send(['bye']);
  await until(() => expect.closed && ended, `${transport} close`);
}

/** One session on a polling transport. */
async function pollingSession(agent, port, transport) {
  const id = newId();
  const base = `/echo/000/${id}`;
  const jsonp = transport === 'jsonp-polling';
  const read = FRAME_READERS[transport];
  const expect = new Expectation();
  const poll = async () => {
    const r = jsonp
      ? await httpRequest(agent, port, `${base}/jsonp?c=cb`)
      : await httpRequest(agent, port, `${base}/xhr`, 'POST');
    for (const f of read(r.text)) if (f !== 'h') expect.feed(f);
  };
  const send = (messages) =>
    jsonp
      ? httpRequest(
          agent,
          port,
          `${base}/jsonp_send`,
          'POST',
          `d=${encodeURIComponent(JSON.stringify(messages))}`,
          { 'Content-Type': 'application/x-www-form-urlencoded' },
        )
      : httpRequest(agent, port, `${base}/xhr_send`, 'POST', JSON.stringify(messages));
  await poll();
  if (!expect.opened) throw new Error(`${transport} did not open`);
  await send(MESSAGES);
  while (!expect.echoed) await poll();
  expect.check();
  await send(['bye']);
  while (!expect.closed) await poll();
}

/** One session on the SockJS websocket or the raw one. */
function websocketSession(port, raw) {
  return new Promise((resolve, reject) => {
    const url = raw
      ? `ws://127.0.0.1:${port}/echo/websocket`
      : `ws://127.0.0.1:${port}/echo/000/${newId()}/websocket`;
    const ws = new WebSocket(url);
    const expect = new Expectation();
    let byeSent = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('websocket timed out'));
    }, SESSION_TIMEOUT_MS);
    const fail = (err) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    ws.on('error', fail);
    if (raw) {
      ws.on('open', () => {
        for (const m of MESSAGES) ws.send(m);
      });
    }
    ws.on('message', (data) => {
      try {
        if (raw) expect.received.push(String(data));
        else expect.feed(String(data));
        if (!raw && expect.opened && expect.received.length === 0 && String(data) === 'o') {
          ws.send(JSON.stringify(MESSAGES));
        }
        if (expect.echoed && !byeSent) {
          byeSent = true;
          expect.check();
          ws.send(raw ? 'bye' : '["bye"]');
        }
      } catch (err) {
        fail(err);
      }
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (code === 3000 && expect.echoed) resolve();
      else reject(new Error(`websocket closed with ${code} after ${expect.received.length}`));
    });
  });
}

function runSession(agent, port, transport) {
  switch (transport) {
    case 'websocket':
      return websocketSession(port, false);
    case 'websocket-raw':
      return websocketSession(port, true);
    case 'xhr-polling':
    case 'jsonp-polling':
      return pollingSession(agent, port, transport);
    default:
      return streamingSession(agent, port, transport);
  }
}

async function control(port) {
  const r = await httpRequest(false, port, '/control');
  return JSON.parse(r.text);
}

/** Least-squares slope of ys over xs. */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Runs the soak for `seconds` with `concurrency` clients (at most
 * `maxSessions` sessions in all). Resolves with the report.
 */
export async function runSoak({
  seconds = 60,
  concurrency = 14,
  maxSessions = 1_000_000,
  disconnectDelay = 1000,
  onSample = () => {},
} = {}) {
  const child = spawn(process.execPath, ['--expose-gc', SERVER, String(disconnectDelay)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /\{"port":(\d+)\}/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error('soak server exited early')));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency * 3 });
    const sessions = Object.fromEntries(TRANSPORTS.map((t) => [t, 0]));
    const errors = [];
    const samples = [];
    const started = Date.now();
    const stopAt = started + seconds * 1000;
    let total = 0;

    const sampler = setInterval(async () => {
      try {
        const c = await control(port);
        const sample = {
          t: (Date.now() - started) / 1000,
          heap: c.heapUsed,
          rss: c.rss,
          open: c.stats.sessions.total,
        };
        samples.push(sample);
        onSample(sample, total);
      } catch (err) {
        errors.push(`control: ${err.message}`);
      }
    }, 1000);

    const worker = async (w) => {
      for (let i = w; Date.now() < stopAt && total < maxSessions; i++) {
        const transport = TRANSPORTS[i % TRANSPORTS.length];
        total++;
        try {
          await runSession(agent, port, transport);
          sessions[transport]++;
        } catch (err) {
          errors.push(`${transport}: ${err.message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    clearInterval(sampler);
    agent.destroy();

    // Sessions closed by the application linger for disconnect_delay.
    await new Promise((r) => setTimeout(r, disconnectDelay + 500));
    let final = await control(port);
    for (let i = 0; i < 20 && final.stats.sessions.total > 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      final = await control(port);
    }
    const half = samples.slice(Math.floor(samples.length / 2));
    const ts = half.map((s) => s.t);
    child.kill('SIGTERM');
    const exitCode = await exited;
    return {
      seconds: (Date.now() - started) / 1000,
      sessions,
      completed: Object.values(sessions).reduce((a, b) => a + b, 0),
      errors,
      samples,
      heapSlope: slope(
        ts,
        half.map((s) => s.heap),
      ),
      rssSlope: slope(
        ts,
        half.map((s) => s.rss),
      ),
      final: {
        sessions: final.stats.sessions.total,
        stats: final.stats,
        resources: final.resources,
        heapUsed: final.heapUsed,
        rss: final.rss,
      },
      exitCode,
    };
  } finally {
    child.kill('SIGKILL');
  }
}
