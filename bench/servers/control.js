// What every benchmark server shares: a port from argv, a "ready" line on
// stdout once it listens, and a small command channel on stdin ("gc" runs a
// full collection when node has --expose-gc, then answers "gc-done").
import { createInterface } from 'node:readline';
import { getHeapStatistics } from 'node:v8';

export function serverPort() {
  const i = process.argv.indexOf('--port');
  return i === -1 ? 0 : Number(process.argv[i + 1]);
}

export function announce(httpServer) {
  httpServer.on('error', (err) => {
    console.error(`bench server: ${err.message}`);
  });
  const port = httpServer.address().port;
  process.stdout.write(JSON.stringify({ type: 'ready', port, pid: process.pid }) + '\n');
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line === 'gc') {
      if (typeof globalThis.gc === 'function') {
        globalThis.gc();
        globalThis.gc();
      }
      // Not process.memoryUsage(): its RSS reading opens a file, and a server
      // holding as many sessions as it has descriptors has none left.
      const heap = getHeapStatistics();
      const heapUsed = heap.used_heap_size;
      const external = heap.external_memory;
      process.stdout.write(JSON.stringify({ type: 'gc-done', heapUsed, external }) + '\n');
    }
  });
  // The parent went away: nothing left to serve.
  lines.on('close', () => process.exit(0));
}
