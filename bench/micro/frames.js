// The two frame caches of WireCache (packages/server/src/wire-cache.ts)
// against protocol's messageFrame, which keeps no state:
//
// - the literal a client sent: framing the message a client just sent alone
//   as `["..."]` reuses its literal instead of quoting it again (the comment
//   quotes JSON.stringify at ~3 ns and the plain-ASCII scan at ~1 ns a
//   character, against nothing);
// - the last frame made: a broadcast frames the same message once per
//   session, and from the second session on the frame is reused.
//
// usage: npm run build && node bench/micro/frames.js

import { messageFrame } from '@sockjs-ts/protocol';
import { WireCache } from '../../packages/server/dist/wire-cache.js';
import { compare, header } from './lib.js';

const messages = [
  ['4 KiB ASCII', 'x'.repeat(4096)],
  ['4 KiB non-ASCII', 'é'.repeat(4096)],
  ['4 KiB with quotes (escaped: no literal to reuse)', '"x'.repeat(2048)],
  ['40 B ASCII', 'y'.repeat(40)],
];

header("echo: the client's literal reused vs the message quoted again");
for (const [name, message] of messages) {
  const cache = new WireCache();
  const text = JSON.stringify([message]);
  cache.receivedText([message], text);
  // An echo frames the message once; a second, different frame in between
  // keeps the last-frame cache out of this measurement.
  const other = ['other'];
  compare(
    name,
    [
      [
        'literal',
        () => {
          cache.messageFrame(other);
          return cache.messageFrame([message]);
        },
      ],
      [
        'quoted',
        () => {
          messageFrame(other);
          return messageFrame([message]);
        },
      ],
    ],
    20_000,
  );
}

header('broadcast to 1,000 sessions: the last frame reused vs one frame per session');
for (const [name, message] of messages) {
  const cache = new WireCache();
  compare(
    name,
    [
      [
        'reused',
        () => {
          let n = 0;
          for (let s = 0; s < 1000; s++) n += cache.messageFrame([message]).length;
          // The next broadcast is another message.
          cache.messageFrame(['next']);
          return [n];
        },
      ],
      [
        'per session',
        () => {
          let n = 0;
          for (let s = 0; s < 1000; s++) n += messageFrame([message]).length;
          return [n];
        },
      ],
    ],
    100,
  );
}
