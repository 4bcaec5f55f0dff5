/**
 * A screen whose code loads when it is first opened, so the first visit downloads only the
 * shell and the home screen (issue 17: usable within 5 s on slow 3G). Every chunk is in the
 * service worker's precache, so offline a screen still opens at once.
 */
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";

export function lazyScreen(load: () => Promise<ComponentType>): ComponentType {
  let loaded: ComponentType | null = null;
  let loading: Promise<ComponentType> | null = null;
  function LazyScreen() {
    const [Screen, setScreen] = useState<ComponentType | null>(() => loaded);
    useEffect(() => {
      if (Screen) return;
      let live = true;
      loading ??= load().then((component) => (loaded = component));
      void loading.then((component) => live && setScreen(() => component));
      return () => {
        live = false;
      };
    }, []);
    useEffect(() => {
      // As the shell does on navigation: the heading takes focus once it exists.
      const active = document.activeElement;
      if (Screen && active && active !== document.body) document.querySelector<HTMLElement>("main h1")?.focus();
    }, [Screen]);
    if (Screen) return <Screen />;
    return (
      <section class="screen" aria-busy="true">
        <p role="status">{t("shell.screen.loading")}</p>
      </section>
    );
  }
  return LazyScreen;
}
