// The reconnecting browser entry: ReconnectingSockJS over the full browser client.

import { SockJS } from './browser.js';
import { ReconnectingSockJS as Base, type SockJSConstructor } from './reconnecting.js';

export * from './reconnecting-exports.js';
export { SockJS };

export class ReconnectingSockJS extends Base {
  protected static override defaultSockJS = SockJS as unknown as SockJSConstructor;
}

export default ReconnectingSockJS;
