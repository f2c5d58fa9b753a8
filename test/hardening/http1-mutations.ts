// Mutations of valid requests at the places that decide where a message ends:
// line ends, colons, the white space around names and values, digits of
// lengths and chunk sizes, chunk extensions and the framing fields' names and
// values. Seeded, so that a failing input can be made again.

/** Valid requests, alone and pipelined, that the mutations start from. */
const SEEDS: readonly string[] = [
  'GET /a HTTP/1.1\r\nHost: h\r\n\r\n',
  'GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nhel\r\n2;c="d e"\r\nlo\r\n0\r\nX-T: 1\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\nPOST /q HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nabGET /c HTTP/1.1\r\nHost: h\r\n\r\n',
  'GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
  'GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
  'POST /echo/s/t/xhr_send HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nCookie: a=1\r\nContent-Length: 7\r\n\r\n["abc"]GET /b HTTP/1.1\r\nHost: h\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\nPOST /q HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nb',
];

/** Bytes that framing decisions turn on, and look-alikes of them. */
const INTERESTING = [
  '\r',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '\x00',
  '\x0b',
  '\x0c',
  '\x7f',
  '\x80',
  '\x85',
  '\xa0',
  '\xff',
  ';',
  '"',
  ':',
  ',',
  '=',
  '\\',
  '0',
  '1',
  '5',
  'a',
  'f',
  'g',
  'x',
  '-',
  '+',
  '\r\n\r\n',
  'chunked',
  'Transfer-Encoding: chunked\r\n',
  'Content-Length: 3\r\n',
  'Content-Length: 0\r\n',
  'Connection: close\r\n',
  ' HTTP/1.1',
  '0\r\n\r\n',
];

/** Small, fast, seeded random numbers (mulberry32). */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
}

/** Positions next to which a change is likely to move a message boundary. */
function framingPositions(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ('\r\n: ;="0123456789abcdefABCDEF,'.includes(c)) out.push(i);
  }
  for (const word of ['chunked', 'Content-Length', 'Transfer-Encoding', 'Connection', 'HTTP/']) {
    for (let i = text.indexOf(word); i !== -1; i = text.indexOf(word, i + 1)) {
      out.push(i, i + word.length);
    }
  }
  return out;
}

function flipCase(s: string): string {
  let out = '';
  for (const c of s) out += c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  return out;
}

/** One change to `text` at a framing position. */
function mutateOnce(text: string, rnd: Random): string {
  const positions = framingPositions(text);
  const at =
    positions.length > 0 && rnd.next() < 0.85 ? rnd.pick(positions) : rnd.int(text.length + 1);
  switch (rnd.int(9)) {
    case 0: // insert
    case 1:
      return text.slice(0, at) + rnd.pick(INTERESTING) + text.slice(at);
    case 2: // delete one to three bytes
      return text.slice(0, at) + text.slice(at + 1 + rnd.int(3));
    case 3: // replace a byte
      return text.slice(0, at) + rnd.pick(INTERESTING) + text.slice(at + 1);
    case 4: {
      // change the case of a word
      const end = Math.min(text.length, at + 1 + rnd.int(16));
      return text.slice(0, at) + flipCase(text.slice(at, end)) + text.slice(end);
    }
    case 5: {
      // repeat the line around the position
      const start = text.lastIndexOf('\r\n', at) + 2;
      const end = text.indexOf('\r\n', at);
      if (end === -1) return text;
      return text.slice(0, end + 2) + text.slice(start, end + 2) + text.slice(end + 2);
    }
    case 6: {
      // a digit one more or one less
      const m = /[0-9a-fA-F]/.exec(text.slice(at));
      if (m === null) return text;
      const i = at + m.index;
      const d = Number.parseInt(text[i]!, 16);
      const nd = Math.max(0, Math.min(15, d + (rnd.next() < 0.5 ? 1 : -1))).toString(16);
      return text.slice(0, i) + nd + text.slice(i + 1);
    }
    case 7: {
      // a line ending changed
      const i = text.indexOf('\r\n', at);
      if (i === -1) return text;
      return text.slice(0, i) + rnd.pick(['\n', '\r', '\n\r', '\r\r\n', '']) + text.slice(i + 2);
    }
    default: {
      // white space around a colon or at a line start
      return text.slice(0, at) + rnd.pick([' ', '\t', '  ', ' \t', '\xa0']) + text.slice(at);
    }
  }
}

/**
 * The input with `seed`: a valid request with one to three mutations,
 * sometimes cut into several writes.
 */
export function mutatedInput(seed: number): Buffer[] {
  const rnd = new Random(seed);
  let text = rnd.pick(SEEDS);
  const count = 1 + rnd.int(3);
  for (let i = 0; i < count; i++) text = mutateOnce(text, rnd);
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length < 2 || rnd.next() < 0.75) return [bytes];
  const cuts = new Set<number>();
  const pieces = 1 + rnd.int(3);
  for (let i = 0; i < pieces; i++) cuts.add(1 + rnd.int(bytes.length - 1));
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of sorted) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  out.push(bytes.subarray(from));
  return out;
}
