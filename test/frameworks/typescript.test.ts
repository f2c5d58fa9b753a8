// The TypeScript app of examples/frameworks/typescript-app.ts: it compiles
// under tsc --strict against the package's own declarations (dist, as an app
// that installed the package sees them), and it runs: the official
// sockjs-client echoes on every Node transport.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { start } from '../../examples/frameworks/typescript-app.ts';
import { typecheckFixture } from '../helpers/typecheck.ts';
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
const root = fileURLToPath(new URL('../..', import.meta.url));

test('tsc --strict --noEmit accepts the app', () => {
  const { status, output } = typecheckFixture(root, 'examples/frameworks/typescript-app.ts');
  assert.equal(status, 0, output);
});

describe('the TypeScript app runs', () => {
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
