// Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium
// through playwright-core (never a downloaded browser), with a fresh profile
// (chromium.launch makes a temporary one). `localhost` is mapped to
// 127.0.0.1, so http://localhost:P and http://127.0.0.1:P are two origins
// served by one test server.

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

/** Builds packages/client/dist (the page loads dist/sockjs.min.js). */
export async function buildClientBundle(): Promise<void> {
  const { bundle } = (await import('../../packages/client/scripts/bundle.js')) as {
    bundle(): Promise<void>;
  };
  await bundle();
}
