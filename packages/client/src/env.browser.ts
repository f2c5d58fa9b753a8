// Browser I/O: XMLHttpRequest (streams through progress events), the
// native WebSocket and EventSource, crypto.getRandomValues.

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

export const browserEnv: Env = {
  ...browserWebSocketEnv,
  http: () => xhr,
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
