// htmlfile: GET <session>/htmlfile?c=<callback> streams <script> tags into a
// hidden iframe that calls the parent's callback.

import { StreamingReceiver } from '../receivers/streaming-receiver.js';
import type { HttpTransport, TransportRequest } from './http-transport.js';
import { keepOpen, readCallback, setSessionHeaders } from './session-response.js';

function head(callback: string): string {
  const html = `<!doctype html>
<html><head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head><body><h2>Don't panic!</h2>
  <script>
    document.domain = document.domain;
    var c = parent.${callback};
    c.start();
    function p(d) {c.message(d);};
    window.onload = function() {c.stop();};
  </script>
`;
  // Old browsers render nothing until they have 1 KiB of the document.
  return html + ' '.repeat(Math.max(0, 1025 - html.length)) + '\r\n\r\n';
}

// JSON.stringify leaves '<' alone, and '</script>' inside a message would end
// the script element early; \u003c keeps the string intact.
const asScript = (frame: string) =>
  '<script>\np(' + JSON.stringify(frame).replace(/</g, '\\u003c') + ');\n</script>\r\n';

function serve(request: TransportRequest): void {
  const { req, res, endpoint } = request;
  const callback = readCallback(req, res);
  if (callback === null) return;
  keepOpen(req);
  setSessionHeaders(req, res, endpoint.options, 'text/html; charset=UTF-8');
  res.writeHead(200);
  res.write(head(callback));
  const session = endpoint.getOrCreateSession(request, 'htmlfile');
  session.attach(new StreamingReceiver('htmlfile', res, endpoint.options.responseLimit, asScript));
}

export const htmlFile: HttpTransport = {
  name: 'htmlfile',
  methods: ['GET'],
  opensSession: true,
  loadedWithoutOrigin: true,
  handle: serve,
};
