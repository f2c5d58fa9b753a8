// StrykerJS configuration of the server's mutation target, in groups: each
// group mutates some modules and runs only the socket test files that
// exercise them (scripts/mutate-run.js, in the order given, stopping at the
// first failure), so a survivor costs the files of its group, not the whole
// list. `MUTATE_GROUP=<name>` picks a group (scripts/mutate.js runs them
// all, one Stryker run each); the report of a group goes to
// reports/mutation/server-<name>.json.

const s = (name) => `packages/server/test/${name}.test.ts`;
const h = (name) => `test/hardening/${name}.test.ts`;

/** Every file the session and HTTP-transport modules need, broad and fast ones first. */
const ALL_FILES = [
  s('sessions'),
  s('session-table'),
  s('timers'),
  s('faults'),
  s('http-transports'),
  s('websocket'),
  s('transports'),
  s('timer-wheel'),
  s('resume'),
  s('resume-timers'),
  s('api'),
  s('session-edges'),
  s('session-presence'),
  s('connection-stream'),
  s('close-while-congested'),
  s('channels'),
  s('shutdown-between-polls'),
  s('lingering'),
  s('http-routes'),
  s('forwarding'),
  s('forwarding-polls'),
  s('listener-errors'),
  s('resume-any-node'),
  s('wire-cache'),
  s('keep-open'),
  s('transport-edges'),
  s('stall-timing'),
  s('websocket-edges'),
  h('faults'),
  h('origins'),
  h('silent-peer'),
  h('observability'),
];

export const GROUPS = {
  'timer-wheel': {
    mutate: ['packages/server/src/timer-wheel.ts'],
    tests: [s('timer-wheel'), s('timers'), s('sessions'), s('resume-timers'), s('lingering')],
  },
  'session-table': {
    mutate: ['packages/server/src/sessions.ts'],
    tests: [
      s('session-table'),
      s('sessions'),
      s('api'),
      s('timers'),
      s('shutdown-between-polls'),
      s('lingering'),
      s('channels'),
      s('faults'),
      s('forwarding'),
      s('session-presence'),
      h('observability'),
    ],
  },
  'http-util': {
    mutate: ['packages/server/src/http-util.ts'],
    tests: [
      s('http-util-edges'),
      // readBody's collector as our own HTTP/1.1 layer feeds it (readWith).
      s('http1'),
      s('http-routes'),
      s('transports'),
      s('faults'),
      s('http-transports'),
      s('api'),
      s('websocket'),
      s('timers'),
      h('faults'),
    ],
  },
  websocket: {
    mutate: [
      'packages/server/src/transports/websocket.ts',
      'packages/server/src/transports/raw-websocket.ts',
      'packages/server/src/transports/hixie76.ts',
      'packages/server/src/receivers/socket-receiver.ts',
    ],
    tests: [
      s('websocket'),
      s('websocket-edges'),
      s('socket-receiver'),
      s('faults'),
      s('transports'),
      s('timers'),
      s('lingering'),
      s('sessions'),
      s('api'),
      s('resume'),
      s('resume-timers'),
      s('connection-stream'),
      s('close-while-congested'),
      s('session-edges'),
      s('wire-cache'),
      s('resume-any-node'),
      s('forwarding'),
      h('faults'),
      h('silent-peer'),
      h('observability'),
    ],
  },
  session: {
    mutate: ['packages/server/src/session.ts'],
    tests: ALL_FILES,
  },
  'http-transports': {
    mutate: [
      'packages/server/src/receivers/receiver.ts',
      'packages/server/src/receivers/http-receiver.ts',
      'packages/server/src/receivers/polling-receiver.ts',
      'packages/server/src/receivers/streaming-receiver.ts',
      'packages/server/src/transports/eventsource.ts',
      'packages/server/src/transports/htmlfile.ts',
      'packages/server/src/transports/http-transport.ts',
      'packages/server/src/transports/jsonp-polling.ts',
      'packages/server/src/transports/jsonp-send.ts',
      'packages/server/src/transports/send-request.ts',
      'packages/server/src/transports/session-response.ts',
      'packages/server/src/transports/xhr-polling.ts',
      'packages/server/src/transports/xhr-send.ts',
      'packages/server/src/transports/xhr-streaming.ts',
    ],
    tests: ALL_FILES,
  },
};

const name = process.env.MUTATE_GROUP ?? 'session';
const group = GROUPS[name];
if (group === undefined) {
  throw new Error(`MUTATE_GROUP must be one of: ${Object.keys(GROUPS).join(', ')}`);
}
const jobs = process.env.MUTATE_JOBS ?? '3';

export default {
  $schema: '../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
  mutate: group.mutate,
  testRunner: 'command',
  commandRunner: {
    command: `node scripts/mutate-run.js --jobs ${jobs} ${group.tests.join(' ')}`,
  },
  coverageAnalysis: 'off',
  checkers: [],
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 60000,
  tempDirName: `.stryker-tmp-${name}`,
  cleanTempDir: 'always',
  ignorePatterns: [
    '/*',
    '!/package.json',
    '!/tsconfig.base.json',
    '!/scripts',
    '!/packages',
    '/packages/*',
    '!/packages/server',
    '/packages/server/dist',
    '!/packages/redis',
    '/packages/redis/dist',
    '!/test',
    '/test/*',
    '!/test/helpers',
    '!/test/hardening',
  ],
  plugins: ['@stryker-mutator/*', './stryker/live-survivors.mjs'],
  reporters: ['clear-text', 'progress', 'html', 'json', 'live-survivors'],
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true },
  htmlReporter: { fileName: `reports/mutation/server-${name}.html` },
  jsonReporter: { fileName: `reports/mutation/server-${name}.json` },
  thresholds: { high: 90, low: 85, break: null },
};
