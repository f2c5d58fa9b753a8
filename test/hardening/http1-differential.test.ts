// The HTTP/1.1 layer against node:http, input by input (see
// http1-differential.ts): the hand-written smuggling corpus in full, then
// mutated valid requests. `npm test` runs a bounded slice of mutations, from
// the fixed seeds of test/helpers/seeds.ts; `npm run fuzz` sets FUZZ_SEED and
// FUZZ_SECONDS or FUZZ_RUNS and this file prints how many it ran. A finding
// prints the input, its seed and the command that replays it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { replayCommand, seeds } from '../helpers/seeds.ts';
import { inParallel } from '../helpers/timing.ts';
import { Differential, show } from './http1-differential.js';
import { mutatedInput } from './http1-mutations.js';
import { VECTORS } from './http1-vectors.js';

const FUZZ_SECONDS = Number(process.env.FUZZ_SECONDS ?? 0);
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 0);
/** Inputs in flight at once. */
const CONCURRENCY = 24;

let d: Differential;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);
before(async () => {
  process.on('uncaughtException', onUncaught);
  d = await Differential.start();
});
after(async () => {
  process.off('uncaughtException', onUncaught);
  await d.stop();
});

describe('the hand-written corpus', () => {
  test('has at least 150 vectors', () => {
    assert.ok(VECTORS.length >= 150, `${VECTORS.length} vectors`);
  });

  test('the layer is never more lenient than node:http, never throws, answers what it runs', async () => {
    const findings: string[] = [];
    let bothRan = 0;
    let layerRefusedMore = 0;
    await inParallel(VECTORS.length, CONCURRENCY, async (i) => {
      const [name, wire] = VECTORS[i]!;
      const r = await d.check([Buffer.from(wire, 'latin1')]);
      if (r.finding !== null)
        findings.push(`${name}: ${r.finding}\n  input: ${JSON.stringify(wire)}`);
      if (r.layer.requests.length > 0) bothRan++;
      if (r.layer.requests.length < r.node.requests.length) layerRefusedMore++;
      return true;
    });
    assert.deepEqual(findings, []);
    assert.deepEqual(uncaught, []);
    // The corpus holds valid requests too: the check compares something.
    assert.ok(bothRan >= 40, `the layer ran requests of only ${bothRan} vectors`);
    console.log(
      `# corpus: ${VECTORS.length} vectors, the layer ran requests of ${bothRan}, refused more than node:http in ${layerRefusedMore}`,
    );
  });

  test('the smuggled request of the corpus runs on the layer only where node:http runs it too', async () => {
    // The differential check above, stated for the request each vector hides.
    for (const name of [
      'TE NBSP before chunked',
      'TE NBSP after chunked',
      'extension unterminated quote',
      'extension with a NUL',
      'trailer that is a request line',
      'trailer starting with a space',
      'chunk size with a space after it',
    ]) {
      const wire = VECTORS.find((v) => v[0] === name)![1];
      const r = await d.check([Buffer.from(wire, 'latin1')], 100);
      const smuggled = (o: typeof r.layer) => o.requests.some((q) => q.url === '/smuggled');
      assert.equal(smuggled(r.node), false, `${name}: node:http ran /smuggled`);
      assert.equal(smuggled(r.layer), false, `${name}: the layer ran /smuggled`);
    }
  });
});

describe('mutated valid requests', () => {
  test('the layer is never more lenient than node:http, never throws, answers what it runs', async () => {
    const long = FUZZ_SECONDS > 0 || FUZZ_RUNS > 0;
    const bases = seeds();
    const runs =
      FUZZ_RUNS > 0 ? FUZZ_RUNS : long ? Number.POSITIVE_INFINITY : Math.ceil(3000 / bases.length);
    const until = FUZZ_SECONDS > 0 ? Date.now() + FUZZ_SECONDS * 1000 : Number.POSITIVE_INFINITY;
    const findings: string[] = [];
    let ran = 0;
    let layerRan = 0;
    let refusedMore = 0;
    for (const base of bases) {
      await inParallel(runs, CONCURRENCY, async (i) => {
        if (Date.now() > until || findings.length >= 10) return false;
        const seed = (base + i) >>> 0;
        const pieces = mutatedInput(seed);
        const r = await d.check(pieces);
        ran++;
        if (r.layer.requests.length > 0) layerRan++;
        if (r.layer.requests.length < r.node.requests.length) refusedMore++;
        if (r.finding !== null) {
          const replay = replayCommand('test/hardening/http1-differential.test.ts', seed, 1);
          findings.push(`seed ${seed} (replay: ${replay}): ${r.finding}\n  input: ${show(pieces)}`);
        }
        return true;
      });
    }
    console.log(
      `# mutations: ${ran} inputs from seeds ${bases.join(', ')}; the layer ran requests of ${layerRan}, refused more than node:http in ${refusedMore}; ${findings.length} findings`,
    );
    assert.deepEqual(findings, []);
    assert.deepEqual(uncaught, []);
    assert.ok(layerRan > ran / 10, `the layer ran requests of only ${layerRan} of ${ran} inputs`);
  });

  test('the layer still serves a plain request afterwards', async () => {
    const r = await d.check([Buffer.from('GET /last HTTP/1.1\r\nHost: h\r\n\r\n')], 100);
    assert.equal(r.layer.answers, 1);
    assert.equal(r.layer.requests[0]?.url, '/last');
  });
});
