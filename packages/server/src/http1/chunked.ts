// Chunked request bodies (RFC 9112 7.1), decoded as they arrive.

import { bad, FRAMING_FIELDS, type HeaderMap, HttpParseError, readField } from './parser.js';

// A chunk-size line (RFC 9112 7.1): hex digits, then extensions, each
// ';' name ['=' (token / quoted-string)]. No white space anywhere: RFC 9110
// 5.6.3 forbids senders to write it (BWS), and node:http refuses a space
// after the size, so a reader that skipped it would find a boundary node:http
// does not.
const CHUNK_SIZE = /^[0-9a-fA-F]{1,8}/;
const CHUNK_EXTENSIONS =
  /^(?:;[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*$/;
/** Longest chunk-size line (with extensions) we read. */
const MAX_CHUNK_LINE = 4096;
/**
 * Most extension bytes in all the chunk-size lines of one body: node:http
 * refuses a body past 16 KiB of them (HPE_CHUNK_EXTENSIONS_OVERFLOW); we stop
 * well before, whatever it counts.
 */
const MAX_CHUNK_EXTENSIONS = 8 * 1024;

/**
 * Decodes a chunked body incrementally. `write` takes the bytes after the
 * head (and of later reads) and returns how many of them belonged to the
 * body; `data` gets each piece of payload, `done` is true once the last chunk
 * and the trailer section were read. Trailer fields are read exactly as
 * header fields (and dropped); together they may take `trailerBudget` bytes,
 * what the head left of the layer's head size limit (431 past it).
 */
export class ChunkedDecoder {
  private state: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  private remaining = 0;
  private line = '';
  private extensionBytes = 0;
  private trailerBudget: number;
  private readonly trailers: HeaderMap = Object.create(null) as HeaderMap;
  done = false;
  private readonly data: (chunk: Buffer) => void;

  constructor(data: (chunk: Buffer) => void, trailerBudget = 16 * 1024) {
    this.data = data;
    this.trailerBudget = trailerBudget;
  }

  write(buf: Buffer): number {
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, buf.length - i);
        this.data(buf.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      // The other states read CRLF-terminated lines.
      const lf = buf.indexOf(10, i);
      const end = lf === -1 ? buf.length : lf + 1;
      this.line += buf.toString('latin1', i, end);
      i = end;
      if (this.state === 'trailer') {
        if (this.line.length > this.trailerBudget) {
          throw new HttpParseError(431, 'HTTP_ERR_HEADER_SIZE', 'Trailer section too large');
        }
      } else if (this.line.length > MAX_CHUNK_LINE) {
        throw bad('HTTP_ERR_CHUNK', 'Chunk line too long');
      }
      if (lf === -1) break;
      if (!this.line.endsWith('\r\n'))
        throw bad('HTTP_ERR_LINE_ENDING', 'Lines must end with CRLF');
      const line = this.line.slice(0, -2);
      if (this.state === 'trailer') this.trailerBudget -= this.line.length;
      this.line = '';
      if (line.includes('\r')) throw bad('HTTP_ERR_LINE_ENDING', 'Lines must end with CRLF');
      if (this.state === 'data-end') {
        if (line !== '') throw bad('HTTP_ERR_CHUNK', 'Chunk longer than its size');
        this.state = 'size';
      } else if (this.state === 'size') {
        this.readSize(line);
      } else if (line === '') {
        this.done = true;
      } else if (FRAMING_FIELDS.has(readField(this.trailers, line, true))) {
        throw bad('HTTP_ERR_HEADER', 'Framing field in a trailer section');
      }
    }
    return i;
  }

  private readSize(line: string): void {
    const size = CHUNK_SIZE.exec(line);
    if (size === null) throw bad('HTTP_ERR_CHUNK', 'Malformed chunk size');
    const digits = size[0].length;
    if (digits < line.length) {
      this.extensionBytes += line.length - digits;
      if (this.extensionBytes > MAX_CHUNK_EXTENSIONS) {
        throw bad('HTTP_ERR_CHUNK', 'Chunk extensions too large');
      }
      if (!CHUNK_EXTENSIONS.test(line.slice(digits))) {
        throw bad('HTTP_ERR_CHUNK', 'Malformed chunk extension');
      }
    }
    this.remaining = Number.parseInt(size[0], 16);
    this.state = this.remaining === 0 ? 'trailer' : 'data';
  }
}
