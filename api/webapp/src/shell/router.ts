/**
 * Path routing under the app's base (`/app/members`, `/app/lots`, …): real URLs, so a reload
 * or a shared link opens the same screen. The server answers every app route with
 * index.html, and so does the service worker offline.
 */
import { store, useStore } from "./store";

export const BASE = import.meta.env.BASE_URL; // "/app/"

/** The route of a pathname: the part after the base, without slashes at the ends. */
export function routeOf(pathname: string): string {
  const inside = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : "";
  return inside.replace(/^\/+|\/+$/g, "");
}

export const route = store(typeof location === "undefined" ? "" : routeOf(location.pathname));

if (typeof window !== "undefined") {
  window.addEventListener("popstate", () => route.set(routeOf(location.pathname)));
}

export function navigate(path: string): void {
  history.pushState(null, "", BASE + path);
  route.set(routeOf(location.pathname));
  window.scrollTo(0, 0);
}

export function useRoute(): string {
  return useStore(route);
}

/** Props for an `<a>` to `path`: a real link (new tab works) that routes in place on a click. */
export function linkTo(
  path: string,
  after?: () => void,
): { href: string; onClick: (event: MouseEvent) => void } {
  return {
    href: BASE + path,
    onClick: (event: MouseEvent) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(path);
      after?.();
    },
  };
}
