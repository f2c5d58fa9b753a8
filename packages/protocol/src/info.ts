// The /info answer, which tells a client what the server supports.

import { messageText } from './frames.js';

export interface Info {
  websocket: boolean;
  cookie_needed: boolean;
  origins: string[];
  entropy: number;
  base_url?: string;
  /** The resume extension (docs/resume.md): the server's resume window in milliseconds. */
  resume?: number;
}

export interface InfoOptions {
  websocket: boolean;
  cookieNeeded: boolean;
  origins?: readonly string[];
  /** Where the client sends the session's requests instead of its own URL. */
  baseUrl?: string;
  /** The resume window to announce; 0 or absent announces none. */
  resumeWindow?: number;
}

/** Builds /info; `entropy` must be a random unsigned 32-bit integer. */
export function makeInfo(options: InfoOptions, entropy: number): Info {
  const info: Info = {
    websocket: options.websocket,
    cookie_needed: options.cookieNeeded,
    origins: options.origins ? [...options.origins] : ['*:*'],
    entropy: entropy >>> 0,
  };
  if (options.baseUrl !== undefined) info.base_url = options.baseUrl;
  if (options.resumeWindow) info.resume = options.resumeWindow;
  return info;
}

/** Reads an /info answer leniently (other servers add or omit fields). */
export function parseInfo(text: string): Info {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new TypeError('Invalid /info answer');
  const v = value as Record<string, unknown>;
  const info: Info = {
    websocket: v.websocket !== false,
    cookie_needed: v.cookie_needed === true,
    origins: Array.isArray(v.origins) ? v.origins.map(messageText) : ['*:*'],
    entropy: typeof v.entropy === 'number' ? v.entropy : 0,
  };
  // As sockjs-client: an empty base_url means the client's own URL.
  if (typeof v.base_url === 'string' && v.base_url) info.base_url = v.base_url;
  if (typeof v.resume === 'number' && v.resume > 0) info.resume = v.resume;
  return info;
}
