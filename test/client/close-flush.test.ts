// End-to-end regression: messages passed to send() right before close() reach
// the server on every Node transport (they used to be dropped on the HTTP
// transports: close() aborted the xhr_send in flight and cleared the queue).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SockJS } from '../../packages/client/src/node.ts';
import { ATTEMPT_TIMEOUT_MS } from '../helpers/scenarios.ts';
import { recordingApp, serverFactories, serverPool } from '../helpers/servers.ts';

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'];
const COUNT = 50;

for (const factory of await serverFactories()) {
  describe(`close() flushes queued sends to ${factory.name}`, () => {
    const start = serverPool(factory);

    for (const transport of TRANSPORTS) {
      test(transport, { timeout: 20_000 }, async () => {
        const recorder = recordingApp();
        const server = await start({ app: recorder.app });
        const sock = new SockJS(server.url, null, {
          transports: [transport],
          timeout: ATTEMPT_TIMEOUT_MS,
        });
        await new Promise<void>((resolve, reject) => {
          sock.onopen = () => resolve();
          sock.onclose = (e) => reject(new Error(`closed: ${e.code}`));
        });
        const closed = new Promise<number>((resolve) => {
          sock.onclose = (e) => resolve(e.code);
        });
        for (let i = 0; i < COUNT; i++) sock.send(`m${i}`);
        sock.close();
        assert.equal(await closed, 1000);
        await recorder.settled(COUNT, 8000);
        assert.deepEqual(
          recorder.received,
          Array.from({ length: COUNT }, (_, i) => `m${i}`),
        );
        assert.ok(recorder.ended, 'the server session ended after the flush');
      });
    }
  });
}
