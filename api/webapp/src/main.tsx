/** Entry point: language on `<html>`, the app shell, network watching, the service worker. */
import { render } from "preact";
import { signStatement, type JsonObject } from "./crypto/statements";
import { language } from "./i18n";
import { App } from "./shell/App";
import { registerServiceWorker, watchConnectivity } from "./shell/status";
import { capture, correct } from "./sync/corrections";
import { session, startSession, syncNow } from "./sync/session";
import "./shell/shell.css";

document.documentElement.lang = language();
watchConnectivity();
const root = document.getElementById("app");
if (root) render(<App />, root);
// The outbox syncs by itself: at start when online, when the connection returns, and again
// while items wait (src/sync/session.ts).
void startSession();
// For support staff in DevTools and for the browser tests: capture, correct, sync, and the
// outbox, by name. Nothing a same-origin script could not already do (and the CSP admits no
// other script).
Object.assign(globalThis, {
  biotraza: {
    capture,
    correct,
    syncNow,
    outbox: async () => (await session()).outbox,
    device: async () => (await session()).device,
    sign: async (type: string, body: JsonObject) => signStatement((await session()).device, type, body),
  },
});
// Dev server (`npm run dev`) has no built worker; only the built app registers one.
if (import.meta.env.PROD) void registerServiceWorker();
