import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  closeFrame,
  FrameError,
  HEARTBEAT_FRAME,
  messageFrame,
  OPEN_FRAME,
  parseFrame,
  parseSendPayload,
  parseWebSocketPayload,
} from '../src/index.js';

function frameErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FrameError, `expected FrameError, got ${String(err)}`);
    return `${err.code}: ${err.message}`;
  }
  assert.fail('expected a FrameError');
}

describe('encoding frames', () => {
  test('open and heartbeat are single letters', () => {
    assert.equal(OPEN_FRAME, 'o');
    assert.equal(HEARTBEAT_FRAME, 'h');
  });

  test('messageFrame batches messages into one a[...] frame', () => {
    assert.equal(messageFrame(['a', 'b c', '"q"']), 'a["a","b c","\\"q\\""]');
    assert.equal(messageFrame([]), 'a[]');
    assert.equal(messageFrame(['']), 'a[""]');
  });

  test('messageFrame escapes what the server table says', () => {
    assert.equal(messageFrame(['\u2028x\u0001']), 'a["\\u2028x\\u0001"]');
  });

  test('closeFrame', () => {
    assert.equal(closeFrame(3000, 'Go away!'), 'c[3000,"Go away!"]');
    assert.equal(
      closeFrame(2010, 'Another connection still open'),
      'c[2010,"Another connection still open"]',
    );
    assert.equal(closeFrame(1002, 'say "hi"\u2028'), 'c[1002,"say \\"hi\\"\\u2028"]');
  });
});

describe('parseFrame', () => {
  test('decodes the four kinds', () => {
    assert.deepEqual(parseFrame('o'), { type: 'open' });
    assert.deepEqual(parseFrame('h'), { type: 'heartbeat' });
    assert.deepEqual(parseFrame('a["x","y"]'), { type: 'message', messages: ['x', 'y'] });
    assert.deepEqual(parseFrame('a[]'), { type: 'message', messages: [] });
    assert.deepEqual(parseFrame('c[3000,"Go away!"]'), {
      type: 'close',
      code: 3000,
      reason: 'Go away!',
    });
    assert.deepEqual(parseFrame('c[1000]'), { type: 'close', code: 1000, reason: '' });
  });

  test('decodes escaped text and the other close frames servers send', () => {
    assert.deepEqual(parseFrame('c[2010,"Another connection still open"]'), {
      type: 'close',
      code: 2010,
      reason: 'Another connection still open',
    });
    assert.deepEqual(parseFrame('a["\\u2028","\\/"]'), {
      type: 'message',
      messages: ['\u2028', '/'],
    });
  });

  test('round-trips what the encoders produce', () => {
    const messages = ['\u0000', '\ud800', '\ufff0', 'plain', '\u2060'];
    assert.deepEqual(parseFrame(messageFrame(messages)), { type: 'message', messages });
    assert.deepEqual(parseFrame(closeFrame(4000, '\u2028')), {
      type: 'close',
      code: 4000,
      reason: '\u2028',
    });
  });

  test('message items that are not strings arrive as their JSON text', () => {
    assert.deepEqual(parseFrame('a[{"toString":null},7,[1],null,"x"]'), {
      type: 'message',
      messages: ['{"toString":null}', '7', '[1]', 'null', 'x'],
    });
  });

  test('a close reason that is not a string arrives as its JSON text; a null one is empty', () => {
    assert.deepEqual(parseFrame('c[3000,null]'), { type: 'close', code: 3000, reason: '' });
    assert.deepEqual(parseFrame('c[3000,4]'), { type: 'close', code: 3000, reason: '4' });
    assert.deepEqual(parseFrame('c[3000,{"valueOf":null}]'), {
      type: 'close',
      code: 3000,
      reason: '{"valueOf":null}',
    });
  });

  test('is null for blank lines and for what no server sends', () => {
    for (const bad of [
      '',
      'oo',
      'ox',
      'hx',
      'o\r',
      'x',
      'm"x"',
      'a',
      'a[',
      'a{}',
      'a"x"',
      'c',
      'c[]',
      'c["3000"]',
      'c[3000.5,"x"]',
      'c[{"toString":null},"x"]',
      'c{}',
      ' o',
    ]) {
      assert.equal(parseFrame(bad), null, JSON.stringify(bad));
    }
  });
});

describe('parseSendPayload', () => {
  test('an empty body is "Payload expected."', () => {
    assert.equal(
      frameErrorCode(() => parseSendPayload('')),
      'SOCKJS_ERR_NO_PAYLOAD: Payload expected.',
    );
  });

  test('valid JSON that is not an array is "Payload expected."', () => {
    for (const body of ['"x"', '1', '{}', 'null', 'true']) {
      assert.equal(
        frameErrorCode(() => parseSendPayload(body)),
        'SOCKJS_ERR_NO_PAYLOAD: Payload expected.',
        body,
      );
    }
  });

  test('invalid JSON is "Broken JSON encoding."', () => {
    for (const body of ['[', '["x"', 'p', '["x",]', ' ', "['x']"]) {
      assert.equal(
        frameErrorCode(() => parseSendPayload(body)),
        'SOCKJS_ERR_BAD_JSON: Broken JSON encoding.',
        body,
      );
    }
  });

  test('[] is accepted and gives no messages', () => {
    assert.deepEqual(parseSendPayload('[]'), []);
  });

  test('decodes arrays of strings, client-escaped input included', () => {
    assert.deepEqual(parseSendPayload('["a","b"]'), ['a', 'b']);
    assert.deepEqual(parseSendPayload('["\\u2028\\ud83d\\ude00\\u0000"]'), [
      '\u2028\ud83d\ude00\u0000',
    ]);
  });

  test('items that are not strings become their JSON text and never throw', () => {
    // String({toString: null}) throws a TypeError: a fuzz case that once
    // turned a hostile but valid body into a 500 "Broken JSON encoding".
    assert.deepEqual(parseSendPayload('[{"toString":null},{"valueOf":1},[1,"a"],5,true,null]'), [
      '{"toString":null}',
      '{"valueOf":1}',
      '[1,"a"]',
      '5',
      'true',
      'null',
    ]);
  });
});

describe('parseWebSocketPayload', () => {
  test("'' and '[]' are ignored", () => {
    assert.deepEqual(parseWebSocketPayload(''), []);
    assert.deepEqual(parseWebSocketPayload('[]'), []);
  });

  test('a lone JSON string is one message', () => {
    assert.deepEqual(parseWebSocketPayload('"hello"'), ['hello']);
  });

  test('an array gives its items', () => {
    assert.deepEqual(parseWebSocketPayload('["a","b"]'), ['a', 'b']);
    assert.deepEqual(parseWebSocketPayload('[{"toString":null},2]'), ['{"toString":null}', '2']);
  });

  test('broken JSON, or JSON that is neither string nor array, is an error', () => {
    for (const bad of ['[', 'x', '["a"', '{}', '1', 'null']) {
      assert.equal(
        frameErrorCode(() => parseWebSocketPayload(bad)),
        'SOCKJS_ERR_BAD_JSON: Broken framing.',
        bad,
      );
    }
  });
});

describe('FrameError', () => {
  test('is named FrameError and carries its code and message', () => {
    try {
      parseSendPayload('[');
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof FrameError);
      assert.equal(err.name, 'FrameError');
      assert.equal(err.code, 'SOCKJS_ERR_BAD_JSON');
      assert.equal(err.message, 'Broken JSON encoding.');
    }
  });
});
