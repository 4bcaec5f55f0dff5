/**
 * The service worker: the app starts with no network, updates never lose data, and the
 * association's reference data is there offline.
 *
 * - **Precache** (cache `biotraza-app-<version>`): every file of the build, listed at build
 *   time by `tools/precache.ts` (`self.__PRECACHE__`). Installation fetches all of them or
 *   fails as a whole (`cache.addAll`), so a half-downloaded version never serves. The app's
 *   pages and assets are served cache-first: a cold start needs no network.
 * - **Updates**: a new worker installs its cache beside the old one and then *waits*; the app
 *   shows "new version" and the user applies it when no form is half filled (message
 *   `SKIP_WAITING`). Only at activation, when the new cache is known complete, are older app
 *   caches deleted. The very first install activates at once (there is no older version).
 * - **Never touched here**: IndexedDB (device keys, the outbox of signed statements) and the
 *   reference-data cache. A worker update or a failed install cannot lose a capture.
 * - **Reference data** (cache `biotraza-data-v1`, kept across versions): the GET routes in
 *   `REFERENCE_ROUTES` go to the network first; a good answer is stored (stamped with
 *   `X-Biotraza-Stored-At`), and without network, or after `NETWORK_WAIT_MS` of waiting, the
 *   stored copy answers. Everything else (appends, sync, proofs) passes straight through.
 */

interface Precache {
  version: string;
  files: string[];
}

const worker = self as unknown as ServiceWorkerGlobalScope & { __PRECACHE__: Precache };
const { version, files } = worker.__PRECACHE__;

const BASE = new URL("./", worker.location.href).pathname;
const APP_PREFIX = "biotraza-app-";
const APP_CACHE = `${APP_PREFIX}${version}`;
const DATA_CACHE = "biotraza-data-v1";
const INDEX = `${BASE}index.html`;
const NETWORK_WAIT_MS = 4000;

/** The API's reference data the field app reads (network-first, cached for offline use). */
const REFERENCE_ROUTES: readonly RegExp[] = [
  /^\/api\/v1\/standards(\/[^/]+)?$/,
  /^\/api\/v1\/orgs(\/[^/]+)?$/,
  /^\/api\/v1\/trustlist$/,
  /^\/api\/v1\/lots$/,
  /^\/api\/v1\/plots$/,
  /^\/api\/v1\/producers$/,
  /^\/api\/v1\/apiaries$/,
];

worker.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(APP_CACHE);
      try {
        await cache.addAll(files.map((url) => new Request(url, { cache: "reload" })));
      } catch (error) {
        await caches.delete(APP_CACHE); // never leave a partial version behind
        throw error;
      }
      if (!worker.registration.active) await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const old = names.filter((name) => name.startsWith(APP_PREFIX) && name !== APP_CACHE);
      await Promise.all(old.map((name) => caches.delete(name)));
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener("message", (event) => {
  const data: unknown = event.data;
  if (typeof data !== "object" || data === null) return;
  const type = (data as { type?: unknown }).type;
  if (type === "SKIP_WAITING") void worker.skipWaiting();
  if (type === "VERSION") event.ports[0]?.postMessage({ version });
});

worker.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  if (url.pathname.startsWith(BASE)) {
    event.respondWith(fromPrecache(request, url));
  } else if (REFERENCE_ROUTES.some((route) => route.test(url.pathname))) {
    event.respondWith(networkFirst(event, request));
  }
});

/** An app file from this version's cache; a navigation to any app route gets index.html. */
async function fromPrecache(request: Request, url: URL): Promise<Response> {
  const cache = await caches.open(APP_CACHE);
  const hit = await cache.match(url.pathname);
  if (hit) return hit;
  if (request.mode === "navigate") {
    const shell = await cache.match(INDEX);
    if (shell) return shell;
  }
  return fetch(request);
}

async function stamped(response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.set("X-Biotraza-Stored-At", new Date().toISOString());
  return new Response(await response.blob(), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function offline(): Response {
  const body = {
    error: { code: "offline", message: "No network and no stored copy of this data.", fields: [] },
  };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: { "Content-Type": "application/json" },
  });
}

async function networkFirst(event: FetchEvent, request: Request): Promise<Response> {
  const cache = await caches.open(DATA_CACHE);
  const network = fetch(request).then(async (response) => {
    if (response.status === 200) await cache.put(request, await stamped(response.clone()));
    return response;
  });
  event.waitUntil(network.then(() => undefined, () => undefined));
  const stored = await cache.match(request);
  if (!stored) return network.catch(offline);
  const waited = new Promise<Response>((resolve) => setTimeout(() => resolve(stored), NETWORK_WAIT_MS));
  return Promise.race([network.catch(() => stored), waited]);
}
