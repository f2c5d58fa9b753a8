// eventsource: a text/event-stream GET, one frame per event.

import { pollingTransport } from '../polling.js';
import type { TransportFactory } from '../types.js';
import { addPath, withResume } from '../url.js';

/**
 * Undoes the %-escaping of event data, per session. sockjs-node and
 * @sockjs-ts/server escape '%', CR, LF and NUL; their frames are JSON, which
 * holds no raw CR, LF or NUL, so every '%' they send starts '%25'. Spring,
 * Vert.x and sockjs-go do not escape: a message "id=%41" comes as it is
 * (decodeURI, as sockjs-client has it, would make it "id=A"). So a frame
 * whose every '%' starts '%25' is unescaped, until a frame of the session
 * shows a '%' that does not: from then on the server is known not to escape,
 * and frames come as they are. (A server that does not escape and whose first
 * '%'s all happen to be followed by "25" is read as escaping until then.)
 */
const NOT_AN_ESCAPE = /%(?!25)/;

function eventData(): (data: string) => string {
  let escaping = true;
  return (data) => {
    if (!escaping || !data.includes('%')) return data;
    if (NOT_AN_ESCAPE.test(data)) {
      escaping = false;
      return data;
    }
    return data.replaceAll('%25', '%');
  };
}

export const eventsource: TransportFactory = {
  name: 'eventsource',
  roundTrips: 2,
  enabled: (_facts, env) => !!env.eventSource,
  create: (ctx) => {
    // One per session: what a stream showed holds for the next one.
    const decode = eventData();
    return pollingTransport(ctx, (onFrame, onEnd) => {
      let opened = false;
      return ctx.env.eventSource!(
        withResume(ctx, addPath(ctx.url, '/eventsource')),
        ctx.sockOptions,
        () => {
          opened = true;
        },
        (data) => onFrame(decode(data)),
        (cutOff) => onEnd(opened && !cutOff),
      );
    });
  },
};
