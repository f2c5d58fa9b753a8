// Hand-written request-smuggling and malformed-framing vectors for the
// differential test of the HTTP/1.1 layer against node:http. Most carry a
// second request (`/smuggled`) that only a reader taking the wrong message
// boundary would run. Written in latin1: one character per byte.

/** A second request, hidden where a lenient reader would find it. */
const S = 'GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n';

/** A request head from its lines, with the empty line that ends it. */
function head(...lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A POST whose head carries `fields`, then `body`. */
function post(fields: string[], body: string): string {
  return head('POST /p HTTP/1.1', 'Host: h', ...fields) + body;
}

/** A chunked POST with `te` as its Transfer-Encoding line. */
function te(line: string, body = `5\r\nhello\r\n0\r\n\r\n${S}`): string {
  return post([line], body);
}

/** A chunked POST whose body is `chunks`, followed by the smuggled request. */
function chunked(chunks: string): string {
  return post(['Transfer-Encoding: chunked'], chunks + S);
}

export const VECTORS: readonly (readonly [name: string, wire: string])[] = [
  // --- valid baselines: both servers must run every request
  ['GET', head('GET /a HTTP/1.1', 'Host: h')],
  ['GET, then GET pipelined', head('GET /a HTTP/1.1', 'Host: h') + S],
  ['POST with Content-Length', post(['Content-Length: 5'], `hello${S}`)],
  ['POST chunked', chunked('5\r\nhello\r\n0\r\n\r\n')],
  ['POST chunked, two chunks', chunked('3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n')],
  ['POST chunked, upper-case hex', chunked('A\r\n0123456789\r\n0\r\n\r\n')],
  ['POST chunked, leading zeros', chunked('0005\r\nhello\r\n000\r\n\r\n')],
  ['HTTP/1.0 GET', head('GET /a HTTP/1.0')],
  ['HTTP/1.0 keep-alive, then GET', head('GET /a HTTP/1.0', 'Connection: keep-alive') + S],
  ['HTTP/1.0 without keep-alive, then GET', head('GET /a HTTP/1.0') + S],
  ['Connection: close, then GET', head('GET /a HTTP/1.1', 'Host: h', 'Connection: close') + S],
  ['empty lines before a request', `\r\n\r\n${head('GET /a HTTP/1.1', 'Host: h')}`],
  ['OPTIONS *', head('OPTIONS * HTTP/1.1', 'Host: h')],
  ['absolute-form target', head('GET http://h/a?b HTTP/1.1', 'Host: h')],
  ['Content-Length: 0, then GET', post(['Content-Length: 0'], S)],
  ['Content-Length with leading zeros', post(['Content-Length: 005'], `hello${S}`)],
  ['Expect: 100-continue', post(['Content-Length: 5', 'Expect: 100-continue'], `hello${S}`)],

  // --- Content-Length and Transfer-Encoding together or repeated
  ['CL then TE', post(['Content-Length: 4', 'Transfer-Encoding: chunked'], `0\r\n\r\n${S}`)],
  ['TE then CL', post(['Transfer-Encoding: chunked', 'Content-Length: 4'], `0\r\n\r\n${S}`)],
  ['CL 0 with TE', post(['Content-Length: 0', 'Transfer-Encoding: chunked'], `0\r\n\r\n${S}`)],
  ['two equal CLs', post(['Content-Length: 5', 'Content-Length: 5'], `hello${S}`)],
  ['two different CLs', post(['Content-Length: 5', 'Content-Length: 0'], `hello${S}`)],
  ['CL list', post(['Content-Length: 5, 5'], `hello${S}`)],
  ['CL list of different values', post(['Content-Length: 0, 5'], `hello${S}`)],
  ['CL with a plus', post(['Content-Length: +5'], `hello${S}`)],
  ['CL negative', post(['Content-Length: -5'], `hello${S}`)],
  ['CL in hex', post(['Content-Length: 0x5'], `hello${S}`)],
  ['CL with a space inside', post(['Content-Length: 1 0'], `0123456789${S}`)],
  ['CL with a trailing letter', post(['Content-Length: 5a'], `hello${S}`)],
  ['CL empty', post(['Content-Length:'], `hello${S}`)],
  ['CL with NBSP after it', post(['Content-Length: 5\xa0'], `hello${S}`)],
  ['CL with NBSP before it', post(['Content-Length: \xa05'], `hello${S}`)],
  ['CL with a vertical tab', post(['Content-Length: 5\x0b'], `hello${S}`)],
  ['CL with a form feed', post(['Content-Length:\x0c5'], `hello${S}`)],
  ['CL with a tab before it', post(['Content-Length:\t5'], `hello${S}`)],
  ['CL too large', post(['Content-Length: 99999999999999999999'], `hello${S}`)],
  ['CL name with a space before the colon', post(['Content-Length : 5'], `hello${S}`)],
  ['CL name with a tab before the colon', post(['Content-Length\t: 5'], `hello${S}`)],
  ['CL folded onto the next line', post(['X-A: b', ' Content-Length: 5'], `hello${S}`)],
  ['CL with a NUL in the name', post(['Content-Le\x00ngth: 5'], `hello${S}`)],
  ['CL name with NBSP', post(['Content-Length\xa0: 5'], `hello${S}`)],
  ['CL on an HTTP/1.0 request', `${head('POST /p HTTP/1.0', 'Content-Length: 5')}hello${S}`],
  ['CL on a GET', `${head('GET /a HTTP/1.1', 'Host: h', 'Content-Length: 5')}hello${S}`],
  ['CL shorter than the body', post(['Content-Length: 3'], `hello${S}`)],

  // --- obfuscated Transfer-Encoding
  ['TE chunked upper case', te('Transfer-Encoding: CHUNKED')],
  ['TE chunked mixed case', te('Transfer-Encoding: ChUnKeD')],
  ['TE NBSP before chunked', te('Transfer-Encoding: \xa0chunked')],
  ['TE NBSP after chunked', te('Transfer-Encoding: chunked\xa0')],
  ['TE NBSP alone before', te('Transfer-Encoding:\xa0chunked')],
  ['TE vertical tab after', te('Transfer-Encoding: chunked\x0b')],
  ['TE form feed before', te('Transfer-Encoding:\x0cchunked')],
  ['TE NEL after', te('Transfer-Encoding: chunked\x85')],
  ['TE tab before', te('Transfer-Encoding:\tchunked')],
  ['TE trailing spaces', te('Transfer-Encoding: chunked   ')],
  ['TE with a space before the colon', te('Transfer-Encoding : chunked')],
  ['TE folded', post(['X-A: b', ' Transfer-Encoding: chunked'], `5\r\nhello\r\n0\r\n\r\n${S}`)],
  ['TE value folded', post(['Transfer-Encoding:', ' chunked'], `5\r\nhello\r\n0\r\n\r\n${S}`)],
  ['TE chunked, chunked', te('Transfer-Encoding: chunked, chunked')],
  ['TE gzip, chunked', te('Transfer-Encoding: gzip, chunked')],
  ['TE chunked, gzip', te('Transfer-Encoding: chunked, gzip')],
  ['TE identity', te('Transfer-Encoding: identity')],
  ['TE xchunked', te('Transfer-Encoding: xchunked')],
  ['TE chunkedx', te('Transfer-Encoding: chunkedx')],
  ['TE chunk', te('Transfer-Encoding: chunk')],
  ['TE quoted', te('Transfer-Encoding: "chunked"')],
  ['TE with a parameter', te('Transfer-Encoding: chunked;q=1')],
  ['TE with a comma first', te('Transfer-Encoding: , chunked')],
  ['TE with a comma last', te('Transfer-Encoding: chunked,')],
  ['TE empty', te('Transfer-Encoding:')],
  ['TE name in upper case', te('TRANSFER-ENCODING: chunked')],
  ['TE name with an underscore', te('Transfer_Encoding: chunked')],
  ['TE name with NBSP before it', te('\xa0Transfer-Encoding: chunked')],
  [
    'TE twice, chunked and identity',
    post(
      ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'],
      `5\r\nhello\r\n0\r\n\r\n${S}`,
    ),
  ],
  [
    'TE twice, chunked and chunked',
    post(
      ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
      `5\r\nhello\r\n0\r\n\r\n${S}`,
    ),
  ],
  [
    'TE chunked on HTTP/1.0',
    `${head('POST /p HTTP/1.0', 'Transfer-Encoding: chunked')}0\r\n\r\n${S}`,
  ],
  ['TE with a NUL after chunked', te('Transfer-Encoding: chunked\x00')],
  ['TE with a CR inside the value', te('Transfer-Encoding: chun\rked')],

  // --- chunk sizes
  ['chunk size with a space after it', chunked('5 \r\nhello\r\n0\r\n\r\n')],
  ['chunk size with a tab after it', chunked('5\t\r\nhello\r\n0\r\n\r\n')],
  ['chunk size with a space before it', chunked(' 5\r\nhello\r\n0\r\n\r\n')],
  ['chunk size 0x prefix', chunked('0x5\r\nhello\r\n0\r\n\r\n')],
  ['chunk size negative', chunked('-5\r\nhello\r\n0\r\n\r\n')],
  ['chunk size with a plus', chunked('+5\r\nhello\r\n0\r\n\r\n')],
  ['chunk size not hex', chunked('g\r\nhello\r\n0\r\n\r\n')],
  ['chunk size empty', chunked('\r\nhello\r\n0\r\n\r\n')],
  ['chunk size overflowing 64 bits', chunked('10000000000000005\r\nhello\r\n0\r\n\r\n')],
  ['chunk size very long with zeros', chunked(`${'0'.repeat(40)}5\r\nhello\r\n0\r\n\r\n`)],
  ['chunk size too small for the data', chunked('3\r\nhello\r\n0\r\n\r\n')],
  ['chunk size too large for the data', chunked('7\r\nhello\r\n0\r\n\r\n')],
  ['chunk data without its CRLF', chunked('5\r\nhello0\r\n\r\n')],
  ['chunk data followed by LF only', chunked('5\r\nhello\n0\r\n\r\n')],
  ['chunk data followed by CR only', chunked('5\r\nhello\r0\r\n\r\n')],
  ['chunk size line ending in LF', chunked('5\nhello\r\n0\r\n\r\n')],
  ['chunk size line ending in CR', chunked('5\rhello\r\n0\r\n\r\n')],
  ['last chunk line ending in LF', chunked('5\r\nhello\r\n0\n\r\n')],
  [
    'last chunk with no final CRLF',
    post(['Transfer-Encoding: chunked'], `5\r\nhello\r\n0\r\n${S}`),
  ],
  ['chunk size with NBSP', chunked('5\xa0\r\nhello\r\n0\r\n\r\n')],
  ['chunk size with a NUL', chunked('5\x00\r\nhello\r\n0\r\n\r\n')],
  ['chunk size with a vertical tab', chunked('5\x0b\r\nhello\r\n0\r\n\r\n')],
  ['zero chunk with data', chunked('0\r\nhello\r\n\r\n')],
  ['two last chunks', chunked('0\r\n\r\n0\r\n\r\n')],

  // --- chunk extensions
  ['extension name', chunked('5;a\r\nhello\r\n0\r\n\r\n')],
  ['extension name=token', chunked('5;a=b\r\nhello\r\n0\r\n\r\n')],
  ['extension quoted value', chunked('5;a="b c"\r\nhello\r\n0\r\n\r\n')],
  ['extension quoted pair', chunked('5;a="b\\"c"\r\nhello\r\n0\r\n\r\n')],
  ['two extensions', chunked('5;a=1;b=2\r\nhello\r\n0\r\n\r\n')],
  ['extension on the last chunk', chunked('5\r\nhello\r\n0;a=b\r\n\r\n')],
  ['extension unterminated quote', chunked('5;a="b\r\nhello\r\n0\r\n\r\n')],
  ['extension unterminated quote across lines', chunked('5;a="\r\nhello\r\n0\r\n"\r\n\r\n')],
  ['extension with a NUL', chunked('5;a\x00\r\nhello\r\n0\r\n\r\n')],
  ['extension with a NUL in the value', chunked('5;a=b\x00\r\nhello\r\n0\r\n\r\n')],
  ['extension with a control byte', chunked('5;a=\x01\r\nhello\r\n0\r\n\r\n')],
  ['extension with a control byte in quotes', chunked('5;a="\x01"\r\nhello\r\n0\r\n\r\n')],
  ['extension with DEL', chunked('5;a=\x7f\r\nhello\r\n0\r\n\r\n')],
  ['extension with a bare CR', chunked('5;a\rb\r\nhello\r\n0\r\n\r\n')],
  ['extension with a bare LF', chunked('5;a\nb\r\nhello\r\n0\r\n\r\n')],
  ['extension semicolon alone', chunked('5;\r\nhello\r\n0\r\n\r\n')],
  ['extension with an empty name', chunked('5;=b\r\nhello\r\n0\r\n\r\n')],
  ['extension with an empty value', chunked('5;a=\r\nhello\r\n0\r\n\r\n')],
  ['extension with a space before the semicolon', chunked('5 ;a\r\nhello\r\n0\r\n\r\n')],
  ['extension with a space after the semicolon', chunked('5; a\r\nhello\r\n0\r\n\r\n')],
  ['extension with spaces around =', chunked('5;a = b\r\nhello\r\n0\r\n\r\n')],
  ['extension with NBSP', chunked('5;a\xa0\r\nhello\r\n0\r\n\r\n')],
  ['extension name with a slash', chunked('5;a/b\r\nhello\r\n0\r\n\r\n')],
  ['extension value with a comma', chunked('5;a=b,c\r\nhello\r\n0\r\n\r\n')],
  ['extension hiding a request', chunked(`5;${S.replace(/\r\n/g, ' ')}\r\nhello\r\n0\r\n\r\n`)],
  ['extension of 5,000 bytes', chunked(`5;a=${'b'.repeat(5000)}\r\nhello\r\n0\r\n\r\n`)],
  [
    'extensions of 20,000 bytes over many chunks',
    chunked(`${`1;a=${'b'.repeat(1000)}\r\nx\r\n`.repeat(20)}0\r\n\r\n`),
  ],

  // --- trailers
  ['trailer field', chunked('5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n')],
  ['two trailer fields', chunked('5\r\nhello\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n')],
  ['trailer that is a request line', chunked(`5\r\nhello\r\n0\r\n${S}`)],
  ['trailer with a space before the colon', chunked('5\r\nhello\r\n0\r\nX-T : 1\r\n\r\n')],
  ['trailer starting with a space', chunked('5\r\nhello\r\n0\r\n X-T: 1\r\n\r\n')],
  ['trailer starting with a tab', chunked('5\r\nhello\r\n0\r\n\tX-T: 1\r\n\r\n')],
  ['trailer folded', chunked('5\r\nhello\r\n0\r\nX-T: 1\r\n 2\r\n\r\n')],
  ['trailer without a colon', chunked('5\r\nhello\r\n0\r\nX-T\r\n\r\n')],
  ['trailer with an empty name', chunked('5\r\nhello\r\n0\r\n: 1\r\n\r\n')],
  ['trailer with a NUL', chunked('5\r\nhello\r\n0\r\nX-T: a\x00b\r\n\r\n')],
  ['trailer with a bare LF', chunked('5\r\nhello\r\n0\r\nX-T: 1\n\r\n')],
  ['trailer with a bare CR', chunked('5\r\nhello\r\n0\r\nX-T: 1\rX: 2\r\n\r\n')],
  ['trailer name with NBSP', chunked('5\r\nhello\r\n0\r\nX-T\xa0: 1\r\n\r\n')],
  ['trailer Content-Length', chunked('5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n')],
  ['trailer Transfer-Encoding', chunked('5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n')],
  [
    '2,000 trailer fields',
    chunked(`5\r\nhello\r\n0\r\n${'X-Trailer-Field: value\r\n'.repeat(2000)}\r\n`),
  ],
  [
    'one trailer field of 20,000 bytes',
    chunked(`5\r\nhello\r\n0\r\nX-T: ${'v'.repeat(20_000)}\r\n\r\n`),
  ],
  ['trailer end missing, a request instead', chunked('5\r\nhello\r\n0\r\nX-T: 1\r\n')],

  // --- line endings
  ['bare LF after the request line', `GET /a HTTP/1.1\nHost: h\r\n\r\n${S}`],
  ['bare LF between fields', `GET /a HTTP/1.1\r\nHost: h\nX-A: b\r\n\r\n${S}`],
  ['bare LF ending the head', `GET /a HTTP/1.1\r\nHost: h\n\n${S}`],
  ['LF then CRLF ending the head', `GET /a HTTP/1.1\r\nHost: h\n\r\n${S}`],
  ['bare CR between fields', `GET /a HTTP/1.1\r\nHost: h\rX-A: b\r\n\r\n${S}`],
  ['bare CR ending the head', `GET /a HTTP/1.1\r\nHost: h\r\r\n\r\n${S}`],
  ['CR CR LF', `GET /a HTTP/1.1\r\r\nHost: h\r\n\r\n${S}`],
  ['LF only everywhere', `GET /a HTTP/1.1\nHost: h\n\n${S}`],
  [
    'CL body then a bare LF request',
    post(['Content-Length: 5'], 'hello\nGET /s HTTP/1.1\nHost: h\n\n'),
  ],
  ['empty line of LF before a request', `\n${head('GET /a HTTP/1.1', 'Host: h')}`],
  ['empty line of CR before a request', `\r${head('GET /a HTTP/1.1', 'Host: h')}`],
  ['CRLF inside a header value', post(['X-A: b\r\nContent-Length: 5'], `hello${S}`)],

  // --- obs-fold and white space in the head
  ['obs-fold with a space', `${head('GET /a HTTP/1.1', 'Host: h', 'X-A: b', ' c')}${S}`],
  ['obs-fold with a tab', `${head('GET /a HTTP/1.1', 'Host: h', 'X-A: b', '\tc')}${S}`],
  ['obs-fold right after the request line', `${head('GET /a HTTP/1.1', ' Host: h')}${S}`],
  ['space before the first field name', `${head('GET /a HTTP/1.1', ' X-A: b', 'Host: h')}${S}`],
  ['field without a colon', `${head('GET /a HTTP/1.1', 'Host: h', 'X-A b')}${S}`],
  ['field with an empty name', `${head('GET /a HTTP/1.1', 'Host: h', ': b')}${S}`],
  ['field name with a space', `${head('GET /a HTTP/1.1', 'Host: h', 'X A: b')}${S}`],
  ['field name with a quote', `${head('GET /a HTTP/1.1', 'Host: h', 'X"A: b')}${S}`],
  ['field name with latin1', `${head('GET /a HTTP/1.1', 'Host: h', 'X\xe9: b')}${S}`],
  ['field value with DEL', `${head('GET /a HTTP/1.1', 'Host: h', 'X-A: b\x7f')}${S}`],
  ['field value with a NUL', `${head('GET /a HTTP/1.1', 'Host: h', 'X-A: b\x00c')}${S}`],
  ['field value with an escape byte', `${head('GET /a HTTP/1.1', 'Host: h', 'X-A: \x1b')}${S}`],
  ['field value with latin1', `${head('GET /a HTTP/1.1', 'Host: h', 'X-A: \xe9\xff')}${S}`],
  ['field value with a tab inside', `${head('GET /a HTTP/1.1', 'Host: h', 'X-A: b\tc')}${S}`],

  // --- the request line
  ['two spaces after the method', `${head('GET  /a HTTP/1.1', 'Host: h')}${S}`],
  ['two spaces before the version', `${head('GET /a  HTTP/1.1', 'Host: h')}${S}`],
  ['tab as separator', `${head('GET\t/a HTTP/1.1', 'Host: h')}${S}`],
  ['space at the end of the request line', `${head('GET /a HTTP/1.1 ', 'Host: h')}${S}`],
  ['space at the start of the request line', `${head(' GET /a HTTP/1.1', 'Host: h')}${S}`],
  ['no version (HTTP/0.9)', `GET /a\r\n\r\n${S}`],
  ['lower-case version', `${head('GET /a http/1.1', 'Host: h')}${S}`],
  ['HTTP/1.2', `${head('GET /a HTTP/1.2', 'Host: h')}${S}`],
  ['HTTP/2.0', `${head('GET /a HTTP/2.0', 'Host: h')}${S}`],
  ['HTTP/0.9', `${head('GET /a HTTP/0.9', 'Host: h')}${S}`],
  ['HTTP/1.10', `${head('GET /a HTTP/1.10', 'Host: h')}${S}`],
  ['HTTP/01.1', `${head('GET /a HTTP/01.1', 'Host: h')}${S}`],
  ['version with a trailing letter', `${head('GET /a HTTP/1.1x', 'Host: h')}${S}`],
  ['lower-case method', `${head('get /a HTTP/1.1', 'Host: h')}${S}`],
  ['unknown method', `${head('BREW /a HTTP/1.1', 'Host: h')}${S}`],
  ['method with a slash', `${head('GE/T /a HTTP/1.1', 'Host: h')}${S}`],
  ['empty method', `${head(' /a HTTP/1.1', 'Host: h')}${S}`],
  ['target with a NUL', `${head('GET /a\x00b HTTP/1.1', 'Host: h')}${S}`],
  ['target with DEL', `${head('GET /a\x7f HTTP/1.1', 'Host: h')}${S}`],
  ['target with latin1', `${head('GET /\xe9 HTTP/1.1', 'Host: h')}${S}`],
  ['target with a fragment', `${head('GET /a#b HTTP/1.1', 'Host: h')}${S}`],
  ['target without a slash', `${head('GET a HTTP/1.1', 'Host: h')}${S}`],
  ['CONNECT authority form', `${head('CONNECT h:443 HTTP/1.1', 'Host: h')}${S}`],
  ['request line with a NUL first', `\x00${head('GET /a HTTP/1.1', 'Host: h')}${S}`],

  // --- Host
  ['no Host on HTTP/1.1', `${head('GET /a HTTP/1.1')}${S}`],
  ['two Hosts', `${head('GET /a HTTP/1.1', 'Host: a', 'Host: b')}${S}`],
  ['empty Host', `${head('GET /a HTTP/1.1', 'Host:')}${S}`],
  ['Host with a space before the colon', `${head('GET /a HTTP/1.1', 'Host : h')}${S}`],

  // --- Connection, Expect and Upgrade values
  [
    'Connection: close with NBSP',
    `${head('GET /a HTTP/1.1', 'Host: h', 'Connection: close\xa0')}${S}`,
  ],
  [
    'Connection: close upper case',
    `${head('GET /a HTTP/1.1', 'Host: h', 'Connection: CLOSE')}${S}`,
  ],
  [
    'Connection: keep-alive, close',
    `${head('GET /a HTTP/1.1', 'Host: h', 'Connection: keep-alive, close')}${S}`,
  ],
  [
    'Connection: close twice',
    `${head('GET /a HTTP/1.1', 'Host: h', 'Connection: x', 'Connection: close')}${S}`,
  ],
  ['HTTP/1.0 keep-alive with NBSP', `${head('GET /a HTTP/1.0', 'Connection: keep-alive\xa0')}${S}`],
  ['Expect with NBSP', post(['Content-Length: 5', 'Expect: 100-continue\xa0'], `hello${S}`)],
  ['Expect unknown', post(['Content-Length: 5', 'Expect: 200-ok'], `hello${S}`)],
  ['Expect upper case', post(['Content-Length: 5', 'Expect: 100-CONTINUE'], `hello${S}`)],
  [
    'upgrade request',
    `${head('GET /ws HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: websocket')}${S}`,
  ],
  [
    'Upgrade empty',
    `${head('GET /ws HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade:')}websocket\r\n\r\n${S}`,
  ],
  [
    'Upgrade of white space only',
    `${head('GET /ws HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade:  ')}${S}`,
  ],
  [
    'Upgrade without Connection',
    `${head('GET /ws HTTP/1.1', 'Host: h', 'Upgrade: websocket')}${S}`,
  ],
  [
    'Connection: upgrade with NBSP',
    `${head('GET /ws HTTP/1.1', 'Host: h', 'Connection: upgrade\xa0', 'Upgrade: websocket')}${S}`,
  ],
  [
    'upgrade request with a body',
    `${head('POST /ws HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: websocket', 'Content-Length: 5')}hello${S}`,
  ],

  // --- Proxy-Connection, which llhttp reads as Connection
  [
    'Proxy-Connection: close, then GET',
    `${head('GET /a HTTP/1.1', 'Host: h', 'Proxy-Connection: close')}${S}`,
  ],
  [
    'Proxy-Connection: x, Close, then GET',
    `${head('GET /a HTTP/1.1', 'Host: h', 'Proxy-Connection: x, Close')}${S}`,
  ],
  [
    'Proxy-Connection: keep-alive on HTTP/1.0, then GET',
    `${head('GET /a HTTP/1.0', 'Proxy-Connection: keep-alive')}${S}`,
  ],
  [
    'Proxy-Connection: upgrade',
    `${head('GET /ws HTTP/1.1', 'Host: h', 'Upgrade: websocket', 'Proxy-Connection: upgrade')}${S}`,
  ],
  [
    'Proxy-Connection: close in a trailer',
    chunked('5\r\nhello\r\n0\r\nProxy-Connection: close\r\n\r\n'),
  ],
  [
    'Proxy-Connection with a tab',
    `${head('GET /a HTTP/1.1', 'Host: h', 'Proxy-Connection:\tclose')}${S}`,
  ],

  // --- the authority of an absolute-form target
  ...[' ', '"', '#', '<', '>', '\\', '^', '`', '{', '|', '}', '\x7f', '\xe9'].map(
    (c) =>
      [
        `absolute-form authority with ${JSON.stringify(c)}`,
        `${head(`GET http://a${c}b/ HTTP/1.1`, 'Host: h')}${S}`,
      ] as const,
  ),
  [
    'absolute-form with userinfo and port',
    `${head('GET http://u:p@h:80/a HTTP/1.1', 'Host: h')}${S}`,
  ],
  [
    'absolute-form with an IPv6 literal',
    `${head('GET http://[::1]:80/a HTTP/1.1', 'Host: h')}${S}`,
  ],
  ['absolute-form without a path', `${head('GET http://h HTTP/1.1', 'Host: h')}${S}`],
  ['absolute-form with a query and no path', `${head('GET http://h?x=1 HTTP/1.1', 'Host: h')}${S}`],
  ['absolute-form https', `${head('GET https://h/a HTTP/1.1', 'Host: h')}${S}`],
  ['absolute-form ftp', `${head('GET ftp://h/a HTTP/1.1', 'Host: h')}${S}`],

  // --- pipelining and sizes
  [
    'three pipelined GETs',
    head('GET /1 HTTP/1.1', 'Host: h') + head('GET /2 HTTP/1.1', 'Host: h') + S,
  ],
  [
    'pipelined POSTs with bodies',
    post(['Content-Length: 1'], 'a') + post(['Content-Length: 1'], 'b') + S,
  ],
  [
    'chunked then CL pipelined',
    post(['Transfer-Encoding: chunked'], '1\r\na\r\n0\r\n\r\n') +
      post(['Content-Length: 1'], 'b') +
      S,
  ],
  ['garbage after a request', `${head('GET /a HTTP/1.1', 'Host: h')}garbage\r\n\r\n${S}`],
  [
    'a head of 20,000 bytes',
    `${head('GET /a HTTP/1.1', 'Host: h', `X-A: ${'a'.repeat(20_000)}`)}${S}`,
  ],
  [
    '200 fields',
    `${head('GET /a HTTP/1.1', 'Host: h', ...Array.from({ length: 200 }, (_, i) => `X-${i}: v`))}${S}`,
  ],
  ['CL body holding a whole request', post([`Content-Length: ${S.length}`], S + S)],
  ['chunk holding a whole request', chunked(`${S.length.toString(16)}\r\n${S}\r\n0\r\n\r\n`)],
];
