// What every framework recipe of examples/frameworks/ must do, over real
// sockets: echo with the official sockjs-client on websocket, xhr-streaming,
// xhr-polling and eventsource, and survive an xhr_send to an open session and
// to an unknown one, with the app's own routes still answering afterwards
// and nothing thrown out of a callback.

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import type { SockJSServer } from '../../packages/server/src/index.ts';
import { stopHttp } from '../helpers/http-server.ts';
import { sleep } from '../helpers/timing.ts';
import { ClientProbe } from '../server-interop/sockjs-client.ts';

/** What a recipe's start() resolves with. */
export interface Running {
  readonly server: net.Server;
  readonly sockjs: SockJSServer;
  /** Closes the framework too, when it has more to close than the server (Fastify). */
  readonly close?: () => Promise<unknown>;
}

/** Where a running recipe answers. */
export interface Target {
  /** 'http://127.0.0.1:<port>' or 'https://…'. */
  readonly base: string;
  /** The path SockJS serves at, e.g. '/echo'; '' at the root. */
  readonly prefix: string;
  /** The CA to trust for https (our own requests check the certificate). */
  readonly ca?: string;
}

export const NODE_TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource'];

/** The app's own answer at '/' in every recipe. */
export const APP_HOME = 'the rest of the app';

export function targetOf(running: Running, prefix: string, ca?: string): Target {
  const { port } = running.server.address() as AddressInfo;
  const scheme = ca === undefined ? 'http' : 'https';
  return { base: `${scheme}://127.0.0.1:${port}`, prefix, ...(ca === undefined ? {} : { ca }) };
}

export async function stop(running: Running): Promise<void> {
  if (running.close !== undefined) {
    await running.sockjs.close(undefined, undefined, 0);
    await running.close();
    return;
  }
  await stopHttp(running.server, [running.sockjs]);
}

/**
 * Records what would otherwise end the process (an ERR_HTTP_HEADERS_SENT
 * thrown from a callback) for the file's tests to assert on.
 */
export function recordUncaught(): unknown[] {
  const uncaught: unknown[] = [];
  const record = (err: unknown) => uncaught.push(err);
  before(() => {
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });
  after(() => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  });
  return uncaught;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** One request; over https, with the certificate checked against `target.ca`. */
export function call(target: Target, path: string, method = 'GET', body?: string): Promise<Answer> {
  const url = new URL(path, target.base);
  return new Promise((resolve, reject) => {
    const done = (res: http.IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }),
      );
      res.on('error', reject);
    };
    const headers = body === undefined ? {} : { 'Content-Type': 'text/plain' };
    const req =
      target.ca === undefined
        ? http.request(url, { method, headers, agent: false }, done)
        : https.request(url, { method, headers, agent: false, ca: target.ca }, done);
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens sockjs-client on `transport` at the target's prefix and echoes one message. */
export async function echoesOver(target: Target, transport: string): Promise<void> {
  const probe = new ClientProbe(`${target.base}${target.prefix}`, transport);
  try {
    assert.equal(await probe.open(), transport);
    probe.sock.send(`over ${transport}`);
    assert.deepEqual(await probe.messages(1), [`over ${transport}`]);
  } finally {
    probe.sock.onclose = null;
    probe.sock.close();
  }
}

let sessions = 0;

/**
 * An xhr_send to an open xhr-polling session and one to an unknown session,
 * then a poll and a stream; afterwards the app and SockJS still answer and
 * nothing was thrown. With `exact`, the SockJS answers are checked too (a
 * naive wiring may let the framework answer some of them first).
 */
export async function sendsLeaveItServing(
  target: Target,
  uncaught: unknown[],
  exact: boolean,
): Promise<void> {
  const errorsBefore = uncaught.length;
  const session = `${target.prefix}/000/s${process.pid}n${++sessions}`;
  const opened = await call(target, `${session}/xhr`, 'POST');
  const sent = await call(target, `${session}/xhr_send`, 'POST', '["a"]');
  const unknown = await call(
    target,
    `${target.prefix}/000/nobody${sessions}/xhr_send`,
    'POST',
    '["a"]',
  );
  const polled = await call(target, `${session}/xhr`, 'POST');
  if (exact) {
    assert.deepEqual([opened.status, opened.body], [200, 'o\n']);
    assert.equal(sent.status, 204);
    assert.equal(unknown.status, 404);
    assert.deepEqual([polled.status, polled.body], [200, 'a["a"]\n']);
  }
  await sleep(100);
  const home = await call(target, '/');
  assert.deepEqual([home.status, home.body], [200, APP_HOME]);
  assert.equal((await call(target, `${target.prefix}/info`)).status, 200);
  assert.deepEqual(uncaught.slice(errorsBefore), []);
}
