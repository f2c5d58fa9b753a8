// Koa 3: the recipe of examples/frameworks/koa.js, in this process, over real
// sockets, with the official sockjs-client (koa.test.ts runs the naive
// wirings and our own client).

import { after, before, describe, test } from 'node:test';
import { start } from '../../examples/frameworks/koa.js';
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

describe('Koa, the recipe', () => {
  let running: Running;
  let target: Target;
  before(async () => {
    running = (await start(0)) as unknown as Running;
    target = targetOf(running, '/echo');
  });
  after(() => stop(running));

  for (const transport of NODE_TRANSPORTS) {
    test(`sockjs-client echoes over ${transport}`, () => echoesOver(target, transport));
  }

  test('xhr_send to an open and to an unknown session: answered, and the app keeps serving', () =>
    sendsLeaveItServing(target, uncaught, true));
});
