// The messages whose exact round trip every end-to-end suite checks: our
// client against both servers, sockjs-client against ours, in Node and in
// Chromium. Each is written as UTF-16 code units, so that a page can rebuild
// it exactly (lone surrogates included) from JSON or from generated source.

/** A message to echo, as UTF-16 code units (repeated `repeat` times). */
export interface EdgeCase {
  readonly name: string;
  readonly units: readonly number[];
  readonly repeat?: number;
}

const units = (s: string): number[] => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));

/**
 * Messages that have broken SockJS clients or servers before, or that JSON,
 * browsers or the SockJS escaping rules treat specially. U+2028/U+2029 end
 * lines in JavaScript source (htmlfile and jsonp frames are JavaScript);
 * U+200C, U+FFFF and the other format characters are on the escape lists;
 * lone surrogates only survive because both ends write them as \uXXXX
 * escapes: raw UTF-8 cannot carry them and turns them into U+FFFD. '%' must be
 * escaped by the server on eventsource, as sockjs-client runs decodeURI on
 * every eventsource line. '</script>' ends an htmlfile frame's script tag
 * unless the server escapes it.
 */
export const EDGE_CASES: readonly EdgeCase[] = [
  { name: 'ascii', units: units('hello, world') },
  { name: 'empty', units: [] },
  { name: 'empty-ish space', units: units(' ') },
  { name: 'quotes and backslash', units: units('"\\\'</script>') },
  { name: 'JSON escapes', units: units('"\\/\b\f\n\r\t') },
  { name: 'script tags', units: units('</script><script>alert(1)</script>') },
  { name: 'JSON array text', units: units('["not","an","array"]') },
  { name: 'percent', units: units('100% %25 %E0 %') },
  { name: 'controls', units: [0, 10, 13, 9, 31] },
  { name: 'C0, DEL and C1 controls', units: [0, 1, 0x1f, 0x7f, 0x80, 0x9f] },
  { name: 'U+2028', units: [0x2028] },
  { name: 'U+2029', units: [0x2029] },
  { name: 'line and paragraph separators', units: units('line\u2028sep\u2029para') },
  { name: 'U+200C', units: [0x200c] },
  { name: 'U+FFFF', units: [0xffff] },
  {
    name: 'format and non-characters',
    units: [0x200c, 0x200f, 0x2060, 0xfeff, 0xfff0, 0xffff, 0x00ad, 0x0600],
  },
  { name: 'lone U+D800', units: [0xd800] },
  { name: 'lone U+DC00', units: [0xdc00] },
  { name: 'lone U+DC00 inside text', units: [0x61, 0xdc00, 0x62] },
  { name: 'emoji', units: units('😀') },
  { name: 'emoji in text', units: units('😀 emoji 🎉') },
  { name: 'non-ASCII letters', units: units('ünïcödé ☃ 中文') },
  { name: 'mixed', units: units('a\u2028b\ud800c😀d\uffff') },
  { name: '100 KB', units: units('0123456789abcdef'), repeat: 6400 },
];

export function edgeCaseValue(c: EdgeCase): string {
  return String.fromCharCode(...c.units).repeat(c.repeat ?? 1);
}

/**
 * JavaScript source of an array of every edge case's value, for scenarios
 * that run as source text in a page or in Node.
 */
export const EDGE_CASES_SOURCE = `[\n${EDGE_CASES.map(
  (c) => `  String.fromCharCode(${c.units.join(', ')}).repeat(${c.repeat ?? 1}),`,
).join('\n')}\n]`;

/** Indexes of the cases with '</script>', which break sockjs-node's htmlfile frames. */
export const SCRIPT_CLOSE_CASES: readonly number[] = EDGE_CASES.flatMap((c, i) =>
  edgeCaseValue(c).includes('</script>') ? [i] : [],
);

/** Describes a string by its code units, so a mismatch is readable. */
export function describeCodeUnits(s: string): string {
  if (s.length > 40) return `${s.length} code units`;
  return Array.from({ length: s.length }, (_, i) =>
    s.charCodeAt(i).toString(16).padStart(4, '0'),
  ).join(' ');
}
