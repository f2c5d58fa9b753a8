// node:https: the recipe of examples/frameworks/https.js on a self-signed
// certificate for 127.0.0.1 made at test time with Debian's openssl (no key
// is committed), in this process, over real sockets, with the official
// sockjs-client. Our own requests check the certificate against itself.
// sockjs-client takes no TLS options in Node: its xhr and eventsource
// requests go through https.globalAgent, which is given the certificate for
// this file's process; its websocket (faye-websocket) calls tls.connect
// itself, so for that one NODE_TLS_REJECT_UNAUTHORIZED=0, in this process
// only, for the tests' time.

import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { start } from '../../examples/frameworks/https.js';
import { selfSigned } from '../helpers/tls.ts';
import {
  echoesOver,
  NODE_TRANSPORTS,
  type Running,
  recordUncaught,
  sendsLeaveItServing,
  stop,
  type Target,
  targetOf,
} from './recipe-checks.ts';

const uncaught = recordUncaught();

describe('node:https, the recipe', () => {
  let running: Running;
  let target: Target;
  before(async () => {
    const tls = selfSigned();
    running = (await start(tls, 0)) as unknown as Running;
    target = targetOf(running, '/echo', tls.cert);
    https.globalAgent.options.ca = tls.cert;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  });
  after(async () => {
    delete https.globalAgent.options.ca;
    delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    await stop(running);
  });

  test('xhr_send to an open and to an unknown session, certificate checked: the app keeps serving', () =>
    sendsLeaveItServing(target, uncaught, true));

  for (const transport of NODE_TRANSPORTS) {
    test(`sockjs-client echoes over ${transport}`, () => echoesOver(target, transport));
  }
});
