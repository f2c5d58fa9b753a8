// Reading a SockJS websocket message `["..."]` from its bytes
// (plainSingleMessage in packages/server/src/wire-cache.ts) against what the
// server does without it: decode the bytes to text, then parseWebSocketPayload
// (JSON.parse). The comment there quotes, for a 4 KiB message on Node 20:
// JSON.parse 1.7-1.9 us, the scan 1.1 us.
//
// usage: npm run build && node bench/micro/plain-message.js

import { parseWebSocketPayload } from '@sockjs-ts/protocol';
import { plainSingleMessage } from '../../packages/server/dist/wire-cache.js';
import { compare, header } from './lib.js';

header('websocket payload ["..."]: byte scan vs toString + JSON.parse');
const cases = [
  ['4 KiB ASCII', 'x'.repeat(4096)],
  ['4 KiB with UTF-8', `${'x'.repeat(2000)}é€😀${'y'.repeat(2000)}`],
  ['64 B ASCII', 'z'.repeat(64)],
  ['16 B ASCII', 'w'.repeat(16)],
];
for (const [name, message] of cases) {
  const bytes = Buffer.from(`["${message}"]`);
  if (plainSingleMessage(bytes) !== message) throw new Error('scan disagrees');
  compare(
    name,
    [
      ['scan', () => plainSingleMessage(bytes)],
      ['JSON.parse', () => parseWebSocketPayload(bytes.toString('utf8'))[0]],
    ],
    20_000,
  );
}
