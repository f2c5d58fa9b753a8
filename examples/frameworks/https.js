// node:https: the same as node:http, on a TLS server. `tls` is what
// https.createServer takes: { key, cert } in PEM, or { pfx, passphrase }.
import https from 'node:https';
import { createServer } from '@sockjs-ts/server';

export async function start(tls, port = 8443, host = '127.0.0.1') {
  const sockjs = createServer({ prefix: '/echo' });
  sockjs.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));

  const server = https.createServer(tls, (_req, res) => res.end('the rest of the app'));
  sockjs.installHandlers(server);
  await new Promise((resolve) => server.listen(port, host, resolve));
  return { server, sockjs };
}
