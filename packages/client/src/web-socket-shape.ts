// What the WebSocket shape asks alike of SockJS and ReconnectingSockJS: its
// errors and the on<type> handler properties.

export function domError(name: string, message: string): DOMException {
  return new DOMException(name + ': ' + message, name);
}

/**
 * Calls `target`'s on<type> property for `ev`, if it holds a function; a
 * throw is reported as a DOM event handler's would be, without breaking the
 * caller's state.
 */
export function callHandlerProperty(target: object, ev: { readonly type: string }): void {
  const handler = (target as Record<string, unknown>)['on' + ev.type];
  if (typeof handler === 'function') {
    try {
      handler.call(target, ev);
    } catch (err) {
      setTimeout(() => {
        throw err;
      });
    }
  }
}
