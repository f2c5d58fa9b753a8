// The server's transport descriptors are what routing goes by; the protocol
// package keeps its own table of session URLs and methods (its fuzzer and
// URL tests use it). The two must not drift apart.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRANSPORT_METHODS } from '@sockjs-ts/protocol';
import { eventSource } from '../src/transports/eventsource.js';
import { htmlFile } from '../src/transports/htmlfile.js';
import { jsonpPolling } from '../src/transports/jsonp-polling.js';
import { jsonpSend } from '../src/transports/jsonp-send.js';
import { xhrPolling } from '../src/transports/xhr-polling.js';
import { xhrSend } from '../src/transports/xhr-send.js';
import { xhrStreaming } from '../src/transports/xhr-streaming.js';

const HTTP = [xhrPolling, xhrSend, xhrStreaming, eventSource, htmlFile, jsonpPolling, jsonpSend];

test('every session URL but websocket has an HTTP descriptor with the protocol table methods', () => {
  const described = Object.fromEntries(HTTP.map((t) => [t.name, t.methods]));
  const { websocket, ...overHttp } = TRANSPORT_METHODS;
  assert.deepEqual(websocket, ['GET']);
  assert.deepEqual(described, overHttp);
});

test('only receiving transports open sessions; only script and frame ones load without Origin', () => {
  const opening = HTTP.filter((t) => t.opensSession).map((t) => t.name);
  assert.deepEqual(opening.sort(), ['eventsource', 'htmlfile', 'jsonp', 'xhr', 'xhr_streaming']);
  const withoutOrigin = HTTP.filter((t) => t.loadedWithoutOrigin).map((t) => t.name);
  assert.deepEqual(withoutOrigin.sort(), ['htmlfile', 'jsonp']);
});
