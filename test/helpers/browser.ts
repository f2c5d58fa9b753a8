// Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium
// through playwright-core (never a downloaded browser), with a fresh profile
// (chromium.launch makes a temporary one). `localhost` is mapped to
// 127.0.0.1, so http://localhost:P and http://127.0.0.1:P are two origins
// served by one test server.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Shared memory in /tmp rather than /dev/shm, which a CI container may
      // keep small (64 MiB): renderers for the cross-origin iframes need it.
      '--disable-dev-shm-usage',
      '--host-resolver-rules=MAP localhost 127.0.0.1',
    ],
  });
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The newest modification time of the files below `dir`, in ms. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * Builds packages/client/dist (the page loads dist/sockjs.min.js) when it is
 * older than the sources that go into it. `npm test` builds before the tests
 * run, so then nothing is rewritten while another test file's page loads it.
 */
export async function buildClientBundle(): Promise<void> {
  const built = statSync(join(root, 'packages/client/dist/sockjs.min.js'), {
    throwIfNoEntry: false,
  });
  const sources = Math.max(
    newest(join(root, 'packages/client/src')),
    newest(join(root, 'packages/protocol/src')),
    statSync(join(root, 'packages/client/scripts/bundle.js')).mtimeMs,
  );
  if (built !== undefined && built.mtimeMs >= sources) return;
  const { bundle } = (await import('../../packages/client/scripts/bundle.js')) as {
    bundle(): Promise<void>;
  };
  await bundle();
}
