// The resume extension's wire format, as docs/resume.md pins it: the server's
// numbered frame, the client's numbered batch, the resume query and the
// /info field.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FrameError,
  makeInfo,
  messageFrame,
  numberedFrame,
  parseFrame,
  parseInfo,
  parseNumberedBatch,
  parseResumeQuery,
} from '../src/index.js';

describe('numberedFrame', () => {
  test('puts seq and ack before the messages', () => {
    assert.equal(numberedFrame(5, 12, ['hello']), 'a[5,12,"hello"]');
    assert.equal(numberedFrame(0, 0, ['a', 'b']), 'a[0,0,"a","b"]');
  });

  test('an ack-only batch carries the counters alone', () => {
    assert.equal(numberedFrame(7, 32, []), 'a[7,32]');
  });

  test('escapes messages as plain frames do', () => {
    const messages = ['\u2028', '"quoted"', '\ud800', 'é'];
    assert.equal(numberedFrame(1, 2, messages), 'a[1,2,' + messageFrame(messages).slice(2));
  });

  test('decodes as a message frame whose first two items are the counters', () => {
    assert.deepEqual(parseFrame(numberedFrame(3, 4, ['x'])), {
      type: 'message',
      messages: ['3', '4', 'x'],
    });
  });
});

describe('parseNumberedBatch', () => {
  test('reads seq, ack and the messages', () => {
    assert.deepEqual(parseNumberedBatch('[3,9,"a","b"]'), { seq: 3, ack: 9, messages: ['a', 'b'] });
    assert.deepEqual(parseNumberedBatch('[0,0]'), { seq: 0, ack: 0, messages: [] });
  });

  test('keeps a non-string message as its JSON text', () => {
    assert.deepEqual(parseNumberedBatch('[0,0,{"a":1},null]').messages, ['{"a":1}', 'null']);
  });

  test('refuses what is not a numbered batch', () => {
    for (const text of [
      '',
      '"x"',
      '{}',
      '[]',
      '[1]',
      '["a","b"]',
      '[-1,0]',
      '[0,1.5]',
      '[0,"1"]',
    ]) {
      assert.throws(
        () => parseNumberedBatch(text),
        (e: unknown) =>
          e instanceof FrameError &&
          e.code === 'SOCKJS_ERR_NO_PAYLOAD' &&
          e.message === 'Payload expected.',
        text,
      );
    }
    // The messages are the bodies of the 500 answers, as for a plain batch.
    assert.throws(
      () => parseNumberedBatch('[0,0,'),
      (e: unknown) =>
        e instanceof FrameError &&
        e.code === 'SOCKJS_ERR_BAD_JSON' &&
        e.message === 'Broken JSON encoding.',
    );
  });
});

describe('parseResumeQuery', () => {
  test('new, an ack, absent, malformed', () => {
    assert.equal(parseResumeQuery('new'), 'new');
    assert.equal(parseResumeQuery('0'), 0);
    assert.equal(parseResumeQuery('125'), 125);
    assert.equal(parseResumeQuery(null), null);
    for (const bad of ['', '-1', '01', '1.0', 'x', '1e3', '99999999999999999']) {
      assert.ok(Number.isNaN(parseResumeQuery(bad)), bad);
    }
  });
});

describe('the /info field', () => {
  test('announced only with a window', () => {
    assert.equal(
      makeInfo({ websocket: true, cookieNeeded: false, resumeWindow: 30_000 }, 1).resume,
      30_000,
    );
    assert.equal(
      'resume' in makeInfo({ websocket: true, cookieNeeded: false, resumeWindow: 0 }, 1),
      false,
    );
    assert.equal('resume' in makeInfo({ websocket: true, cookieNeeded: false }, 1), false);
  });

  test('read back by parseInfo, ignored when not a positive number', () => {
    assert.equal(parseInfo('{"resume":30000}').resume, 30_000);
    assert.equal(parseInfo('{"resume":0}').resume, undefined);
    assert.equal(parseInfo('{"resume":"30000"}').resume, undefined);
  });
});
