// A shared listener must reach exactly the owner its emitter is tied to,
// under its own tag, and nothing once the emitter is untied.

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { OwnerTag } from '../src/owner-tag.js';

class Owner {
  readonly seen: [EventEmitter, unknown][] = [];
}

describe('OwnerTag', () => {
  test('one listener serves every emitter, each reaching its own owner', () => {
    const tag = new OwnerTag<EventEmitter, Owner>('test');
    const onData = tag.listener<string>((owner, emitter, data) => owner.seen.push([emitter, data]));
    const pairs = Array.from({ length: 3 }, () => [new EventEmitter(), new Owner()] as const);
    for (const [emitter, owner] of pairs) {
      tag.set(emitter, owner);
      emitter.on('data', onData);
    }
    for (const [i, [emitter]] of pairs.entries()) emitter.emit('data', `d${i}`);
    for (const [i, [emitter, owner]] of pairs.entries())
      assert.deepEqual(owner.seen, [[emitter, `d${i}`]]);
  });

  test('an emitter without an owner, or untied, reaches no one', () => {
    const tag = new OwnerTag<EventEmitter, Owner>('test');
    const onEvent = tag.listener((owner, emitter) => owner.seen.push([emitter, undefined]));
    const emitter = new EventEmitter();
    emitter.on('event', onEvent);
    emitter.emit('event');
    const owner = new Owner();
    tag.set(emitter, owner);
    emitter.emit('event');
    tag.set(emitter, undefined);
    emitter.emit('event');
    assert.equal(owner.seen.length, 1);
  });

  test('two tags on one emitter keep two owners apart', () => {
    const first = new OwnerTag<EventEmitter, Owner>('first');
    const second = new OwnerTag<EventEmitter, Owner>('second');
    const emitter = new EventEmitter();
    const a = new Owner();
    const b = new Owner();
    first.set(emitter, a);
    second.set(emitter, b);
    emitter.on(
      'close',
      first.listener((o, e) => o.seen.push([e, 'first'])),
    );
    emitter.on(
      'close',
      second.listener((o, e) => o.seen.push([e, 'second'])),
    );
    emitter.emit('close');
    assert.deepEqual(a.seen, [[emitter, 'first']]);
    assert.deepEqual(b.seen, [[emitter, 'second']]);
  });
});
