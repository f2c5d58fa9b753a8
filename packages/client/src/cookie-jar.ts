// A small cookie jar for the Node client, so that a load balancer's sticky
// session cookie (JSESSIONID, SERVERID, ...) set on /info comes back on every
// later request of the session. Cookies are kept per host name (as browsers
// do, ports share cookies); attributes other than expiry are ignored.

import type { CookieJarLike } from './types.js';

export class CookieJar implements CookieJarLike {
  readonly #hosts = new Map<string, Map<string, string>>();

  get(url: string): string {
    const cookies = this.#hosts.get(new URL(url).hostname);
    if (!cookies) return '';
    return [...cookies].map(([name, value]) => name + '=' + value).join('; ');
  }

  set(url: string, setCookies: readonly string[]): void {
    const host = new URL(url).hostname;
    let cookies = this.#hosts.get(host);
    for (const header of setCookies) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      if (!cookies) {
        cookies = new Map();
        this.#hosts.set(host, cookies);
      }
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (expired) cookies.delete(name);
      else cookies.set(name, pair.slice(eq + 1).trim());
    }
  }
}
