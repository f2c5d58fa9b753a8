// The script-tag build: sets the global `SockJS` (with SockJS.bootstrap_iframe).
import { SockJS } from './browser.js';

(globalThis as unknown as { SockJS: typeof SockJS }).SockJS = SockJS;
