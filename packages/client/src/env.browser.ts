// Browser I/O: fetch with a streamed body (XMLHttpRequest where there is no
// fetch), the native WebSocket and EventSource, crypto.getRandomValues.

import { browserWebSocketEnv } from './env-websocket.browser.js';
import type { Env, HttpRequest } from './types.js';

const xhr: HttpRequest = (method, url, body, onData, onEnd) => {
  const x = new XMLHttpRequest();
  let seen = 0;
  const progress = () => {
    const text = x.responseText;
    if (text.length > seen) {
      const chunk = text.slice(seen);
      seen = text.length;
      onData(chunk);
    }
  };
  const stop = () => {
    x.onprogress = x.onload = x.onerror = x.ontimeout = null;
  };
  x.open(method, url);
  x.withCredentials = true;
  x.onprogress = progress;
  x.onload = () => {
    progress();
    stop();
    onEnd(x.status);
  };
  x.onerror = x.ontimeout = () => {
    stop();
    onEnd(0);
  };
  x.send(body);
  return () => {
    stop();
    x.abort();
  };
};

// fetch hands over each chunk of a streaming response as it arrives; XHR
// progress events come at most every 50 ms in Chromium, which added up to
// 50 ms to every message on xhr-streaming. Credentials are included as
// withCredentials does, so that cookies (JSESSIONID) flow cross-origin.
const fetchRequest: HttpRequest = (method, url, body, onData, onEnd) => {
  const abort = new AbortController();
  let over = false;
  const end = (status: number) => {
    if (over) return;
    over = true;
    onEnd(status);
  };
  fetch(url, { method, body, credentials: 'include', cache: 'no-store', signal: abort.signal })
    .then(async (res) => {
      const reader = res.body?.getReader();
      if (reader !== undefined) {
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (over) return;
          if (done) break;
          const text = decoder.decode(value, { stream: true });
          if (text !== '') onData(text);
        }
      }
      end(res.status);
    })
    .catch(() => end(0));
  return () => {
    over = true;
    abort.abort();
  };
};

export const browserEnv: Env = {
  ...browserWebSocketEnv,
  http: () =>
    typeof fetch === 'function' && typeof ReadableStream === 'function' ? fetchRequest : xhr,
  eventSource: (url, _options, onOpen, onData, onEnd) => {
    const es = new EventSource(url, { withCredentials: true });
    const stop = () => {
      es.onopen = es.onmessage = es.onerror = null;
      es.close();
    };
    es.onopen = onOpen;
    es.onmessage = (e) => onData(e.data);
    // EventSource would reconnect by itself; the transport decides instead.
    es.onerror = () => {
      stop();
      onEnd();
    };
    return stop;
  },
};
