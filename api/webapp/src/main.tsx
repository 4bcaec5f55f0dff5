/** Entry point: language on `<html>`, the app shell, network watching, the service worker. */
import { render } from "preact";
import type { JsonObject } from "./crypto/statements";
import { language } from "./i18n";
import { App } from "./shell/App";
import { KEYS_CHANGED } from "./shell/roles";
import { registerServiceWorker, watchConnectivity } from "./shell/status";
import "./shell/shell.css";

document.documentElement.lang = language();
watchConnectivity();
const root = document.getElementById("app");
if (root) render(<App />, root);
// The outbox syncs by itself: at start when online, when the connection returns, and again
// while items wait (src/sync/session.ts). Its code (keys, outbox, sync) is its own chunk,
// loaded after the first paint, so the first screen shows without waiting for it.
const sync = () => import("./sync/session");
const corrections = () => import("./sync/corrections");
void sync().then((m) => m.startSession());
// Which screens the navigation shows: the roles this browser's keys hold (src/shell/roles.ts),
// asked at start, when the network returns, when the phone's enrolment changes and when a key
// is imported or removed.
void import("./shell/roleRefresh").then(({ refreshRoles }) => {
  void refreshRoles();
  window.addEventListener("online", () => void refreshRoles());
  window.addEventListener(KEYS_CHANGED, () => void refreshRoles());
  void import("./field/device").then(({ deviceContext }) => deviceContext.subscribe(() => void refreshRoles()));
});
// For support staff in DevTools and for the browser tests: capture, correct, sync, and the
// outbox, by name. Nothing a same-origin script could not already do (and the CSP admits no
// other script).
Object.assign(globalThis, {
  biotraza: {
    capture: async (...args: Parameters<Awaited<ReturnType<typeof corrections>>["capture"]>) => (await corrections()).capture(...args),
    correct: async (...args: Parameters<Awaited<ReturnType<typeof corrections>>["correct"]>) => (await corrections()).correct(...args),
    syncNow: async () => (await sync()).syncNow(),
    outbox: async () => (await (await sync()).session()).outbox,
    device: async () => (await (await sync()).session()).device,
    sign: async (type: string, body: JsonObject) => {
      const [{ signStatement }, { session }] = await Promise.all([import("./crypto/statements"), sync()]);
      return signStatement((await session()).device, type, body);
    },
  },
});
// Dev server (`npm run dev`) has no built worker; only the built app registers one.
if (import.meta.env.PROD) void registerServiceWorker();
