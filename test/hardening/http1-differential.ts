// Differential testing of the server's own HTTP/1.1 layer against node:http.
// The same raw bytes go, on fresh connections, to a node:http server and to
// a createHttp1Server, both in front of one recording application. The
// layer must never be the more lenient reader: every request it runs,
// node:http runs too, with the same method, target and body, so that it
// never finds a message boundary node:http does not (the way a request hides
// inside another one). It may refuse more; it must never throw, and it must
// answer every request it ran.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createHttp1Server, type Http1Server } from '../../packages/server/src/index.js';

/** One request as the application saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  upgrade: boolean;
  /** The whole body (latin1), or null when it never ended. */
  body: string | null;
}

/** What one server made of one input. */
export interface Outcome {
  requests: SeenRequest[];
  /** Responses the client received (status lines counted). */
  answers: number;
  /** The server closed the connection before the client gave up. */
  closed: boolean;
  /** What the client received, for messages. */
  received: string;
}

interface Recording {
  requests: SeenRequest[];
  touched: number;
}

/** A server (node:http or the layer) and the recordings of its connections. */
class Target {
  readonly recordings = new Map<number, Recording>();
  /** The server's side of each connection, by the client's port. */
  private readonly accepted = new Map<number, net.Socket>();
  port = 0;

  constructor(readonly server: http.Server | Http1Server) {
    server.on('connection', (socket: net.Socket) => {
      const port = socket.remotePort ?? -1;
      this.accepted.set(port, socket);
      socket.once('close', () => {
        if (this.accepted.get(port) === socket) this.accepted.delete(port);
      });
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.request(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: net.Socket) => {
      const rec = this.recording(req);
      rec?.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        upgrade: true,
        body: null,
      });
      socket.on('error', () => {});
      socket.destroy();
    });
  }

  private recording(req: IncomingMessage): Recording | undefined {
    const rec = this.recordings.get(req.socket.remotePort ?? -1);
    if (rec !== undefined) rec.touched = Date.now();
    return rec;
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    const rec = this.recording(req);
    const seen: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      upgrade: false,
      body: null,
    };
    rec?.requests.push(seen);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    req.on('error', () => {});
    req.on('end', () => {
      seen.body = Buffer.concat(chunks).toString('latin1');
      if (rec !== undefined) rec.touched = Date.now();
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
      res.end('ok');
    });
  }

  /**
   * Sends `pieces` on a fresh connection; resolves once the server closed
   * it, or once it has read every byte sent and nothing happened on the
   * connection for `quietMs` after that. Counting from what the server has
   * read, not from the write: on a busy machine the write may wait longer
   * than the quiet time to be read.
   */
  exchange(pieces: readonly Buffer[], quietMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const socket = net.connect(this.port, '127.0.0.1');
      socket.setNoDelay(true);
      const received: Buffer[] = [];
      let rec: Recording | null = null;
      let last = Date.now();
      let written = false;
      let closed = false;
      let timer: NodeJS.Timeout | null = null;
      const total = pieces.reduce((sum, p) => sum + p.length, 0);
      /**
       * Whether the server's side has read all that was sent, or is gone
       * (not yet accepted counts as not read: on a busy loop the client may
       * see its connect before the server sees the connection).
       */
      const allRead = () => {
        const accepted = this.accepted.get(socket.localPort ?? -1);
        return accepted !== undefined && (accepted.destroyed || accepted.bytesRead >= total);
      };
      let writtenAt = 0;
      const finish = () => {
        if (timer !== null) clearInterval(timer);
        const port = socket.localPort;
        socket.destroy();
        if (port !== undefined) this.recordings.delete(port);
        const text = Buffer.concat(received).toString('latin1');
        resolve({
          requests: rec?.requests ?? [],
          answers:
            text.match(/HTTP\/1\.[01] [1-5]\d\d /g)?.filter((s) => !s.includes(' 100 ')).length ??
            0,
          closed,
          received: text,
        });
      };
      socket.on('data', (c: Buffer) => {
        received.push(c);
        last = Date.now();
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        closed = written;
        finish();
      });
      socket.on('connect', async () => {
        rec = { requests: [], touched: Date.now() };
        this.recordings.set(socket.localPort!, rec);
        for (let i = 0; i < pieces.length; i++) {
          if (i > 0) await new Promise((r) => setTimeout(r, 1));
          if (socket.destroyed) return;
          socket.write(pieces[i]!);
        }
        written = true;
        writtenAt = Date.now();
        last = writtenAt;
        let readAt = 0;
        timer = setInterval(
          () => {
            const t = Date.now();
            if (readAt === 0) {
              // A server that stops reading for good is not waited for past
              // a few seconds: what it ran by then is its outcome.
              if (!allRead() && t - writtenAt < 5000) return;
              readAt = t;
            }
            if (t - Math.max(last, rec!.touched, readAt) >= quietMs) finish();
          },
          Math.max(5, quietMs / 4),
        );
      });
    });
  }
}

/** What is wrong with the layer's outcome next to node:http's, or null. */
export function lenientFinding(layer: Outcome, node: Outcome): string | null {
  for (let i = 0; i < layer.requests.length; i++) {
    const ours = layer.requests[i]!;
    const theirs = node.requests[i];
    const what = `request ${i + 1} (${ours.method} ${ours.url})`;
    if (theirs === undefined) return `the layer ran ${what}; node:http did not`;
    if (ours.method !== theirs.method || ours.url !== theirs.url) {
      return `the layer read ${what} where node:http read ${theirs.method} ${theirs.url}`;
    }
    if (ours.upgrade !== theirs.upgrade) {
      return `${what}: upgrade ${ours.upgrade} on the layer, ${theirs.upgrade} on node:http`;
    }
    if (ours.body !== null && ours.body !== theirs.body) {
      return `${what}: the layer read the body ${JSON.stringify(ours.body)}, node:http ${theirs.body === null ? 'never finished it' : JSON.stringify(theirs.body)}`;
    }
  }
  const ran = layer.requests.filter((r) => !r.upgrade && r.body !== null).length;
  if (layer.answers < ran) {
    return `the layer ran ${ran} request(s) but answered ${layer.answers}: a hang`;
  }
  return null;
}

/** Both servers, and the exchange of one input with each. */
export class Differential {
  readonly node: Target;
  readonly layer: Target;

  private constructor() {
    this.node = new Target(http.createServer());
    this.layer = new Target(
      createHttp1Server({ headersTimeout: 10_000, keepAliveTimeout: 10_000 }),
    );
  }

  static async start(): Promise<Differential> {
    const d = new Differential();
    for (const t of [d.node, d.layer]) {
      await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', r));
      t.port = (t.server.address() as AddressInfo).port;
    }
    return d;
  }

  async stop(): Promise<void> {
    (this.node.server as http.Server).closeAllConnections();
    await Promise.all(
      [this.node, this.layer].map((t) => new Promise<void>((r) => t.server.close(() => r()))),
    );
  }

  /**
   * Runs one input on both servers; a finding seen with a short quiet time
   * is checked again with a long one before it counts (a busy machine may
   * have been slow to deliver to one of them).
   */
  async check(
    pieces: readonly Buffer[],
    quietMs = 30,
  ): Promise<{ finding: string | null; layer: Outcome; node: Outcome }> {
    let [layer, node] = await Promise.all([
      this.layer.exchange(pieces, quietMs),
      this.node.exchange(pieces, quietMs),
    ]);
    let finding = lenientFinding(layer, node);
    if (finding !== null && quietMs < 500) {
      [layer, node] = await Promise.all([
        this.layer.exchange(pieces, 500),
        this.node.exchange(pieces, 500),
      ]);
      finding = lenientFinding(layer, node);
    }
    return { finding, layer, node };
  }
}

/** A readable form of an input for failure messages. */
export function show(pieces: readonly Buffer[]): string {
  return pieces.map((p) => JSON.stringify(p.toString('latin1'))).join(' + ');
}
