// The base_url option: what createServer accepts, and what /info advertises
// for a fixed URL and for a function of the /info request. Clients using it
// across three nodes: test/scale/base-url.test.ts.

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { createServer, type LogSeverity } from '../src/index.js';
import { request, startServer } from './support.js';

async function infoOf(port: number, headers: Record<string, string> = {}) {
  const reply = await request(port, '/echo/info', { headers });
  return { status: reply.status, info: reply.status === 200 ? JSON.parse(reply.body) : null };
}

describe('base_url', () => {
  test('accepts absolute http(s) URLs and drops trailing slashes', async () => {
    const cases: [string, string][] = [
      ['http://node1.example.com:8001/echo', 'http://node1.example.com:8001/echo'],
      ['https://node1.example.com/echo/', 'https://node1.example.com/echo'],
      ['HTTPS://Node1.Example.com:443/', 'https://node1.example.com'],
      ['http://127.0.0.1:9999/a/b//?token=x/', 'http://127.0.0.1:9999/a/b?token=x/'],
    ];
    for (const [given, advertised] of cases) {
      const s = await startServer({ base_url: given });
      try {
        assert.equal((await infoOf(s.port)).info.base_url, advertised, given);
      } finally {
        await s.stop();
      }
    }
  });

  test('refuses what a client could not use, naming the option', () => {
    const bad: unknown[] = [
      '',
      '/echo',
      '//node1.example.com/echo',
      'node1.example.com/echo',
      'ws://node1.example.com/echo',
      'ftp://node1.example.com/echo',
      'http://node1.example.com/echo#top',
      'http://user:secret@node1.example.com/echo',
      'http://node1.example.com/echo ',
      ' http://node1.example.com/echo',
      'http://node1.example.com/ec ho',
      'http://node1.example.com/echo\n',
      'http://node1.example.com:99999/echo',
      42,
    ];
    for (const value of bad) {
      assert.throws(
        () => createServer({ base_url: value as string }),
        (err: Error) => err instanceof TypeError && /base_url/.test(err.message),
        JSON.stringify(value),
      );
    }
    // The camelCase alias goes through the same check.
    assert.throws(() => createServer({ baseUrl: '/echo' }), TypeError);
  });

  test('no option: /info has no base_url', async () => {
    const s = await startServer();
    try {
      const { info } = await infoOf(s.port);
      assert.equal('base_url' in info, false);
    } finally {
      await s.stop();
    }
  });

  test('a function picks per /info request, from the request', async () => {
    const seen: string[] = [];
    const pick = (req: IncomingMessage) => {
      seen.push(String(req.headers['x-shard']));
      return `http://node${req.headers['x-shard']}.example.com/echo/`;
    };
    const s = await startServer({ baseUrl: pick });
    try {
      for (const shard of ['1', '2', '3']) {
        const { info } = await infoOf(s.port, { 'X-Shard': shard });
        assert.equal(info.base_url, `http://node${shard}.example.com/echo`);
      }
      assert.deepEqual(seen, ['1', '2', '3']);
      // Only /info asks; session requests do not.
      const r = await request(s.port, '/echo/000/abcdefgh/xhr', { method: 'POST' });
      assert.equal(r.status, 200);
      assert.equal(seen.length, 3);
    } finally {
      await s.stop();
    }
  });

  test('a function that throws or answers garbage gives a 500 and a log line', async () => {
    const logged: [LogSeverity, string][] = [];
    let answer: () => string = () => {
      throw new Error('no node left');
    };
    const s = await startServer({
      base_url: () => answer(),
      log: (severity, message) => logged.push([severity, message]),
    });
    try {
      assert.equal((await infoOf(s.port)).status, 500);
      answer = () => '/echo';
      assert.equal((await infoOf(s.port)).status, 500);
      answer = () => 'http://node2.example.com/echo';
      assert.equal((await infoOf(s.port)).info.base_url, 'http://node2.example.com/echo');
      const errors = logged.filter(([severity]) => severity === 'error').map(([, m]) => m);
      assert.equal(errors.length, 2);
      assert.match(errors[0]!, /base_url failed: no node left/);
      assert.match(errors[1]!, /base_url failed: .*absolute http\(s\) URL.*"\/echo"/);
    } finally {
      await s.stop();
    }
  });
});
