// Property tests over the protocol core: whatever string comes in, the
// frame decoder gives a frame or null and the payload decoders give messages
// or throw FrameError; encoders round-trip through JSON.parse, and escaped
// output holds only characters that survive every transport.
//
// `npm test` runs a bounded number of cases on the fixed seeds of
// test/helpers/seeds.ts, the same every run. `npm run fuzz` runs this file
// with FUZZ_SEED (a random draw) and FUZZ_SECONDS (time per property) or
// FUZZ_RUNS (cases per property), and each property prints how many cases
// it ran.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { EXPLORING, replayCommand, seeds } from '../../../test/helpers/seeds.ts';
import {
  clientStringify,
  closeFrame,
  FrameError,
  isValidCallback,
  messageFrame,
  parseFrame,
  parseSendPayload,
  parseWebSocketPayload,
  routePath,
  serverQuote,
  serverStringify,
  TRANSPORT_METHODS,
} from '../src/index.js';

const FUZZ_SECONDS = Number(process.env.FUZZ_SECONDS ?? 0);
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 0);
/** Cases per property in `npm test`, spread over the fixed seeds. */
const DEFAULT_RUNS = 1000;
const FILE = 'packages/protocol/test/fuzz.test.ts';

/**
 * Runs a property on each seed (test/helpers/seeds.ts: the fixed list in
 * `npm test`, FUZZ_SEED under `npm run fuzz`) within the budget and reports
 * the number of cases. A failure shows fast-check's shrunk counterexample,
 * its seed and the command that replays it.
 */
function check<T>(name: string, property: fc.IProperty<T>): void {
  const all = seeds();
  for (const seed of all) {
    const started = performance.now();
    const numRuns = FUZZ_RUNS > 0 ? FUZZ_RUNS : Math.ceil(DEFAULT_RUNS / all.length);
    const params: fc.Parameters<T> =
      FUZZ_SECONDS > 0
        ? {
            seed,
            numRuns: Number.MAX_SAFE_INTEGER,
            interruptAfterTimeLimit: FUZZ_SECONDS * 1000,
            markInterruptAsFailure: false,
          }
        : { seed, numRuns };
    const details = fc.check(property, params);
    const seconds = (performance.now() - started) / 1000;
    if (EXPLORING) {
      const rate = Math.round(details.numRuns / Math.max(seconds, 1e-3));
      console.log(`fuzz protocol ${name}: ${details.numRuns} cases, ${rate}/s (seed ${seed})`);
    }
    if (details.failed) {
      assert.fail(
        `${name} failed on seed ${seed}; replay: ${replayCommand(FILE, seed, details.numRuns)}\n` +
          (fc.defaultReportMessage(details) ?? ''),
      );
    }
  }
}

// Characters that matter to SockJS, mixed with any UTF-16 code unit (lone
// surrogates included) and any astral code point.
const SPECIALS = [
  '"',
  '\\',
  '/',
  '\u0000',
  '\n',
  '\r',
  '\u007f',
  '\u00ad',
  '\u200c',
  '\u2028',
  '\u2029',
  '\u2060',
  '\ufeff',
  '\ufff0',
  '\uffff',
  '\ud800',
  '\udfff',
  '%',
  'a',
  '[',
  ']',
  ',',
];
const anyUnit = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...SPECIALS) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map(String.fromCodePoint) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);
const anyString = fc.string({ unit: anyUnit, maxLength: 40 });

/** Strings of plain ASCII with, one character in `weight + 1`, any UTF-16 unit. */
function mostlyPlainString(weight: number, minLength: number, maxLength: number) {
  const plainChar = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 });
  return fc.string({
    unit: fc.oneof({ weight, arbitrary: plainChar }, { weight: 1, arbitrary: anyUnit }),
    minLength,
    maxLength,
  });
}

// Text shaped like frames and payloads, so that the parsers get past their
// first character check more often than random text would.
const frameLike = fc.oneof(
  anyString,
  fc.tuple(fc.constantFrom('o', 'h', 'a', 'c', ''), fc.json()).map(([k, j]) => k + j),
  fc.tuple(fc.constantFrom('a', 'c'), anyString).map(([k, s]) => k + s),
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
);

/** Calls fn; anything thrown must be a FrameError with one of its codes. */
function onlyFrameErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    assert.ok(['SOCKJS_ERR_BAD_JSON', 'SOCKJS_ERR_NO_PAYLOAD'].includes(err.code));
  }
}

const SERVER_ESCAPED =
  /[\u0000-\u001f\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/;
const CLIENT_ESCAPED =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0604\u070f\u17b4\u17b5\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufeff\ufff0-\uffff]/;

/**
 * Checks an encoder's output: none of the characters its table escapes
 * appears raw, and every \u escape is four lowercase hex digits.
 */
function assertEscaped(json: string, forbidden: RegExp): void {
  const raw = forbidden.exec(json);
  assert.equal(raw, null, `raw U+${raw?.[0].charCodeAt(0).toString(16)} in ${json}`);
  for (let i = 0; i < json.length; i++) {
    if (json[i] !== '\\') continue;
    i++;
    if (json[i] === 'u') {
      assert.match(json.slice(i + 1, i + 5), /^[0-9a-f]{4}$/, `escape at ${i} in ${json}`);
      i += 4;
    }
  }
}

describe('fuzz: decoders take any text', () => {
  test('parseFrame returns a frame that matches the text, or null, and never throws', () => {
    check(
      'parseFrame',
      fc.property(frameLike, (text) => {
        const frame = parseFrame(text);
        if (frame === null) return;
        const kind = text[0];
        if (frame.type === 'open') assert.equal(text, 'o');
        else if (frame.type === 'heartbeat') assert.equal(text, 'h');
        else if (frame.type === 'message') {
          assert.equal(kind, 'a');
          assert.equal(frame.messages.length, JSON.parse(text.slice(1)).length);
          for (const m of frame.messages) assert.equal(typeof m, 'string');
        } else {
          assert.equal(kind, 'c');
          assert.equal(frame.code, JSON.parse(text.slice(1))[0]);
          assert.ok(Number.isInteger(frame.code));
          assert.equal(typeof frame.reason, 'string');
        }
      }),
    );
  });

  test('parseSendPayload returns strings or throws FrameError', () => {
    check(
      'parseSendPayload',
      fc.property(frameLike, (text) => {
        onlyFrameErrors(() => {
          for (const m of parseSendPayload(text)) assert.equal(typeof m, 'string');
        });
      }),
    );
  });

  test('parseWebSocketPayload returns strings or throws FrameError', () => {
    check(
      'parseWebSocketPayload',
      fc.property(frameLike, (text) => {
        onlyFrameErrors(() => {
          for (const m of parseWebSocketPayload(text)) assert.equal(typeof m, 'string');
        });
      }),
    );
  });

  test('any JSON value: an array is its items as strings, anything else is rejected', () => {
    check(
      'parseSendPayload(json)',
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        if (Array.isArray(value)) {
          const items = value.map((v) =>
            typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v),
          );
          assert.deepEqual(parseSendPayload(text), items);
          assert.deepEqual(parseWebSocketPayload(text), items);
        } else {
          assert.throws(() => parseSendPayload(text), FrameError);
          if (typeof value === 'string') assert.deepEqual(parseWebSocketPayload(text), [value]);
          else assert.throws(() => parseWebSocketPayload(text), FrameError);
        }
      }),
    );
  });
});

describe('fuzz: encoders round-trip any unicode, lone surrogates included', () => {
  test('serverStringify: JSON.parse gives the value back; only allowed characters', () => {
    check(
      'serverStringify',
      fc.property(anyString, (s) => {
        const json = serverStringify(s);
        assert.equal(JSON.parse(json), s);
        assertEscaped(json, SERVER_ESCAPED);
      }),
    );
  });

  test('serverQuote is serverStringify for strings, long plain ones included', () => {
    // Long strings, mostly plain ASCII with now and then anything else, reach
    // both the fast path and the fall-back.
    const mostlyPlain = mostlyPlainString(30, 0, 300);
    check(
      'serverQuote',
      fc.property(fc.oneof(mostlyPlain, anyString), (s) => {
        assert.equal(serverQuote(s), serverStringify(s));
      }),
    );
  });

  test('clientStringify: JSON.parse gives the value back; only allowed characters', () => {
    check(
      'clientStringify',
      fc.property(fc.array(anyString, { maxLength: 5 }), (messages) => {
        const json = clientStringify(messages);
        assert.deepEqual(JSON.parse(json), messages);
        assertEscaped(json, CLIENT_ESCAPED);
        // What a client sends, the server decodes, on every send path.
        assert.deepEqual(parseSendPayload(json), messages);
        assert.deepEqual(parseWebSocketPayload(json), messages);
      }),
    );
  });

  test('message and close frames decode to what was encoded', () => {
    check(
      'frames',
      fc.property(
        fc.array(anyString, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 4999 }),
        anyString,
        (messages, code, reason) => {
          const frame = messageFrame(messages);
          assertEscaped(frame.slice(1), SERVER_ESCAPED);
          assert.deepEqual(parseFrame(frame), { type: 'message', messages });
          assert.deepEqual(parseFrame(messageFrame([messages[0]!])), {
            type: 'message',
            messages: [messages[0]],
          });
          const close = closeFrame(code, reason);
          assertEscaped(close.slice(1), SERVER_ESCAPED);
          assert.deepEqual(parseFrame(close), { type: 'close', code, reason });
        },
      ),
    );
  });
});

describe('fuzz: URL rules', () => {
  const pathPiece = fc.string({
    unit: fc.oneof(fc.constantFrom('/', '.', '?', '%', 'x', '_'), anyUnit),
    maxLength: 12,
  });

  test('routePath never throws; session routes have valid ids and a known transport', () => {
    const paths = fc.oneof(
      pathPiece,
      fc.array(pathPiece, { maxLength: 4 }).map((parts) => '/' + parts.join('/')),
      fc
        .tuple(pathPiece, pathPiece, fc.constantFrom(...Object.keys(TRANSPORT_METHODS), 'xhrx'))
        .map(([a, b, t]) => `/${a}/${b}/${t}`),
    );
    check(
      'routePath',
      fc.property(paths, (path) => {
        const route = routePath(path);
        if (route?.kind !== 'session') return;
        for (const id of [route.serverId, route.sessionId]) {
          assert.ok(id.length > 0 && !id.includes('/') && !id.includes('.'), path);
        }
        assert.ok(Object.hasOwn(TRANSPORT_METHODS, route.transport), path);
        assert.equal(path, `/${route.serverId}/${route.sessionId}/${route.transport}`);
      }),
    );
  });

  test('routePath finds every valid session URL', () => {
    const id = fc.string({ unit: anyUnit, minLength: 1, maxLength: 10 }).filter((s) => {
      return !s.includes('/') && !s.includes('.');
    });
    const transport = fc.constantFrom(
      ...(Object.keys(TRANSPORT_METHODS) as (keyof typeof TRANSPORT_METHODS)[]),
    );
    check(
      'routePath(session)',
      fc.property(id, id, transport, (serverId, sessionId, t) => {
        assert.deepEqual(routePath(`/${serverId}/${sessionId}/${t}`), {
          kind: 'session',
          serverId,
          sessionId,
          transport: t,
        });
      }),
    );
  });

  test('isValidCallback is exactly [a-zA-Z0-9_.-]{1,32}', () => {
    const names = fc.oneof(
      anyString,
      fc.string({
        unit: fc.constantFrom(...'azAZ09_.-', '$', ' ', '(', '\u0131'),
        maxLength: 40,
      }),
    );
    check(
      'isValidCallback',
      fc.property(names, (name) => {
        assert.equal(isValidCallback(name), /^[a-zA-Z0-9_.-]{1,32}$/.test(name), name);
      }),
    );
  });
});
