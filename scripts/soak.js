#!/usr/bin/env node
// Soak run: sessions opened, used and closed on every transport against a
// server in a child process, heap and RSS sampled every second. Prints the
// growth rate over the second half (least squares) and what the server
// holds at the end; exits 1 when sessions or timers are left over or any
// session failed.
//
// usage: npm run soak -- [--seconds 60] [--concurrency 14] [--max-sessions N]
import { parseArgs } from 'node:util';
import { runSoak } from '../test/soak/driver.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '14' },
    'max-sessions': { type: 'string', default: '1000000' },
  },
});

const mib = (n) => (n / 1024 / 1024).toFixed(1);
const report = await runSoak({
  seconds: Number(values.seconds),
  concurrency: Number(values.concurrency),
  maxSessions: Number(values['max-sessions']),
  onSample: (s, started) =>
    console.log(
      `t=${s.t.toFixed(0)}s sessions started=${started} open=${s.open} heap=${mib(s.heap)} MiB rss=${mib(s.rss)} MiB`,
    ),
});

console.log(`\n${report.completed} sessions completed in ${report.seconds.toFixed(1)} s:`);
for (const [t, n] of Object.entries(report.sessions)) console.log(`  ${t}: ${n}`);
console.log(`heap slope (second half): ${report.heapSlope.toFixed(0)} bytes/s`);
console.log(`rss slope (second half): ${report.rssSlope.toFixed(0)} bytes/s`);
console.log(`sessions left after disconnect_delay: ${report.final.sessions}`);
console.log(`server active resources at the end: ${JSON.stringify(report.final.resources)}`);
console.log(`final heap ${mib(report.final.heapUsed)} MiB, rss ${mib(report.final.rss)} MiB`);
console.log(`server exit code after SIGTERM: ${report.exitCode}`);
if (report.errors.length > 0) {
  console.log(`${report.errors.length} failed sessions; first ones:`);
  for (const e of report.errors.slice(0, 10)) console.log(`  ${e}`);
}
const leftTimers = report.final.resources.filter((r) => r === 'Timeout').length;
const ok = report.final.sessions === 0 && leftTimers === 0 && report.errors.length === 0;
process.exit(ok ? 0 : 1);
