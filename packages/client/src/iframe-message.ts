// The envelope of sockjs-client 1.x's iframe messages, spoken by both sides
// (transports/iframe.ts in the page, iframe-bootstrap.ts in the iframe):
// {windowId, type, data} as JSON; 's' start, 't' frame, 'c' close, 'm' message.

import { messageText } from '@sockjs-ts/protocol';

export function iframeMessage(windowId: string, type: string, data: string): string {
  return JSON.stringify({ windowId, type, data });
}

/** A postMessage payload meant for `windowId` as its type and data text; null otherwise. */
export function readIframeMessage(
  raw: unknown,
  windowId: string,
): { type: unknown; data: string } | null {
  let msg: { windowId?: unknown; type?: unknown; data?: unknown };
  try {
    msg = JSON.parse(raw as string);
  } catch {
    return null;
  }
  if (msg?.windowId !== windowId) return null;
  return { type: msg.type, data: messageText(msg.data ?? '') };
}
