// A short soak: sessions opened, used and closed on every transport for a
// few seconds against a server in a child process. Afterwards the server
// must hold no session, no timer and no socket but the one asking. Speed is
// not checked; `npm run soak -- --seconds N` runs it longer and reports the
// memory slopes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak, TRANSPORTS } from '../soak/driver.js';

test('soak: every transport, then no session, timer or socket left', async () => {
  const report = await runSoak({ seconds: 8, concurrency: 7, maxSessions: 5000 });
  assert.deepEqual(report.errors, []);
  for (const transport of TRANSPORTS) {
    assert.ok(report.sessions[transport] > 0, `no ${transport} session completed`);
  }
  assert.equal(report.final.sessions, 0);
  assert.equal(report.final.stats.sessionsOpened, report.final.stats.sessionsClosed);
  const resources = report.final.resources as string[];
  assert.equal(resources.filter((r) => r === 'Timeout').length, 0, resources.join());
  assert.equal(resources.filter((r) => r === 'Immediate').length, 0, resources.join());
  // The listening socket and the control request's own connection.
  assert.equal(resources.filter((r) => r === 'TCPServerWrap').length, 1, resources.join());
  assert.ok(resources.filter((r) => r === 'TCPSocketWrap').length <= 1, resources.join());
  assert.equal(report.exitCode, 0);
});
