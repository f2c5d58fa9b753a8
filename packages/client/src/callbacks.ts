// The global object that htmlfile and jsonp responses call into. It is named
// `_jp`, as in sockjs-client, and shared with it when both are on a page.

export function callbacks(): Record<string, unknown> {
  const g = globalThis as unknown as { _jp?: Record<string, unknown> };
  g._jp ??= {};
  return g._jp;
}

export function callbackName(id: string): string {
  return '_jp.' + id;
}
