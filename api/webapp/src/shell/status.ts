/**
 * What the status bar shows: network, the outbox count, whether the app can start offline
 * and whether a new version is waiting.
 *
 * `outboxCount` starts as `null` (nothing shown); the outbox module calls
 * `outboxCount.set(n)` whenever its queue changes, and the bar shows it.
 */
import { BASE } from "./router";
import { store } from "./store";

export const online = store(typeof navigator === "undefined" ? true : navigator.onLine);
export const outboxCount = store<number | null>(null);
export const offlineReady = store(false);
/** Set when a new version is installed and waiting; calling it applies the update. */
export const pendingUpdate = store<(() => void) | null>(null);

export function watchConnectivity(): void {
  window.addEventListener("online", () => online.set(true));
  window.addEventListener("offline", () => online.set(false));
}

/**
 * Register the service worker (scope: the app's base). A new version waits until the user
 * taps "update" — never in the middle of a form; only that tab reloads, once the new
 * worker controls it. Other open tabs keep running and offer the same button.
 */
export async function registerServiceWorker(): Promise<void> {
  if (!("serviceWorker" in navigator)) return;
  const container = navigator.serviceWorker;
  let applying = false;
  container.addEventListener("controllerchange", () => {
    offlineReady.set(true);
    if (applying) location.reload();
  });
  offlineReady.set(container.controller !== null);
  const registration = await container.register(`${BASE}sw.js`, { scope: BASE });

  const offer = (waiting: ServiceWorker) => {
    if (!container.controller) return; // first install: nothing older to replace
    pendingUpdate.set(() => {
      applying = true;
      waiting.postMessage({ type: "SKIP_WAITING" });
    });
  };
  // A navigation checks for updates itself, so a new worker may already be installing (or
  // waiting) by the time registration resolves: follow it from wherever it is.
  const follow = (candidate: ServiceWorker | null) => {
    if (!candidate) return;
    if (candidate.state === "installed") offer(candidate);
    else candidate.addEventListener("statechange", () => candidate.state === "installed" && offer(candidate));
  };
  follow(registration.waiting);
  follow(registration.installing);
  registration.addEventListener("updatefound", () => follow(registration.installing));
  window.addEventListener("online", () => void registration.update().catch(() => undefined));
}
