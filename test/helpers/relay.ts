// A loopback TCP relay that a test controls: it forwards bytes between the
// client and a server, and can cut every connection with RST or FIN, or
// silently stop forwarding (a black-holed network: bytes are read and
// dropped in both directions, no FIN, no RST, nothing times out), for every
// connection or only for those open now (a path that died while a new one
// works).

import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type RelayMode = 'forward' | 'silent';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Black-holed by silence(), whatever the mode. */
  silent: boolean;
}

export interface Relay {
  readonly port: number;
  /** http://127.0.0.1:<relay port><path> */
  url(path: string): string;
  /** Connections open now. */
  readonly open: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Whether bytes go through, for open and later connections. */
  mode: RelayMode;
  /** Cuts every open connection with a TCP RST to the client. */
  reset(): void;
  /** Cuts every open connection with a FIN to the client. */
  fin(): void;
  /** Silences the connections open now; later ones are forwarded (unless the mode is silent). */
  silence(): void;
  /** Points later connections at another server port. */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number, targetHost = '127.0.0.1'): Promise<Relay> {
  const pairs = new Set<Pair>();
  let target = targetPort;
  let accepted = 0;
  const relay = {
    mode: 'forward' as RelayMode,
  };
  const server: Server = createServer({ noDelay: true }, (client) => {
    accepted++;
    const upstream = createConnection({ port: target, host: targetHost, noDelay: true });
    const pair: Pair = { client, upstream, silent: false };
    pairs.add(pair);
    const forwards = () => relay.mode === 'forward' && !pair.silent;
    const pipe = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => {
        if (forwards() && !to.destroyed) to.write(chunk);
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
    // A FIN travels on, and an error or a close cuts the other side, unless
    // the relay is silent: then neither side learns anything of the other.
    client.on('end', () => {
      if (forwards()) upstream.end();
    });
    upstream.on('end', () => {
      if (forwards()) client.end();
    });
    const gone = (from: Socket, to: Socket) => () => {
      from.destroy();
      if (forwards() || to.destroyed) {
        pairs.delete(pair);
        to.destroy();
      }
    };
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('close', gone(client, upstream));
    upstream.on('close', gone(upstream, client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay: no port');
  const port = address.port;
  // Not Object.assign, which would copy the getters' values of this moment.
  Object.defineProperties(relay, {
    open: { get: () => pairs.size },
    accepted: { get: () => accepted },
  });
  return Object.assign(relay as typeof relay & Pick<Relay, 'open' | 'accepted'>, {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    reset() {
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    fin() {
      for (const { client, upstream } of pairs) {
        client.end();
        upstream.end();
      }
      pairs.clear();
    },
    silence() {
      for (const pair of pairs) pair.silent = true;
    },
    retarget(next: number) {
      target = next;
    },
    close() {
      relay.mode = 'silent';
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
