/**
 * The app's frame: a header (menu, name, language), a status bar (network, outbox, offline
 * readiness), the update notice, the navigation and the current screen.
 *
 * On a phone the navigation opens from the "Menú" button over the screen; from 960 px it
 * stays at the side. Every control is at least 48 px high (CSS).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { setLanguage, t, useLanguage } from "../i18n";
import { linkTo, useRoute } from "./router";
import { heldRoles, shown } from "./roles";
import { SCREENS, screenFor, type Group } from "./screens";
import { offlineReady, online, outboxCount, pendingUpdate } from "./status";
import { useStore } from "./store";

function Navigation({ current, onPick }: { current: string; onPick: () => void }) {
  const groups: Group[] = ["field", "office"];
  const held = useStore(heldRoles);
  return (
    <nav id="nav" aria-label={t("shell.menu.label")}>
      {groups.map((group) => (
        <div class="nav-group" key={group}>
          <h2>{t(`shell.group.${group}`)}</h2>
          <ul>
            {SCREENS.filter((s) => s.group === group && shown(s.roles, held)).map((s) => (
              <li key={s.id}>
                <a
                  {...linkTo(s.path, onPick)}
                  aria-current={s.path === current ? "page" : undefined}
                  data-screen={s.id}
                >
                  {t(`shell.nav.${s.id}`)}
                  {s.id === "outbox" && <OutboxBadge />}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

function OutboxBadge() {
  const count = useStore(outboxCount);
  return count ? <span class="badge">{count}</span> : null;
}

function StatusBar() {
  const isOnline = useStore(online);
  const ready = useStore(offlineReady);
  const count = useStore(outboxCount);
  return (
    <div class="status" role="status" aria-live="polite">
      <span id="network" class={isOnline ? "pill online" : "pill offline"}>
        {t(isOnline ? "shell.status.online" : "shell.status.offline")}
      </span>
      {count !== null && (
        <a id="outbox-count" class="pill" {...linkTo("outbox")}>
          {count > 0 ? t("shell.status.outbox", { count }) : t("shell.status.outbox_empty")}
        </a>
      )}
      <span id="offline-ready" class="muted">
        {t(ready ? "shell.status.offline_ready" : "shell.status.offline_not_ready")}
      </span>
    </div>
  );
}

function UpdateNotice() {
  const apply = useStore(pendingUpdate);
  if (!apply) return null;
  return (
    <div class="notice update" id="update">
      <p>
        {t("shell.update.ready")} {t("shell.update.safe")}
      </p>
      <button type="button" class="button" onClick={apply}>
        {t("shell.update.apply")}
      </button>
    </div>
  );
}

function NotFound() {
  return (
    <section class="screen">
      <h1 tabIndex={-1}>{t("shell.notfound.title")}</h1>
      <p>
        <a class="button" {...linkTo("")}>
          {t("shell.notfound.back")}
        </a>
      </p>
    </section>
  );
}

export function App() {
  const lang = useLanguage();
  const path = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const screen = screenFor(path);
  const Current = screen?.component ?? NotFound;
  const title = screen ? t(`shell.nav.${screen.id}`) : t("shell.notfound.title");

  useEffect(() => {
    document.title = `${title} · Biotraza`;
  }, [title, lang]);
  useEffect(() => {
    // Move focus to the new screen's heading so a screen reader announces it.
    if (document.activeElement && document.activeElement !== document.body) {
      main.current?.querySelector<HTMLElement>("h1")?.focus();
    }
  }, [path]);

  return (
    <div class={menuOpen ? "shell menu-open" : "shell"}>
      <header class="topbar">
        <button
          type="button"
          class="button menu-button"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
          id="menu-button"
        >
          {t(menuOpen ? "shell.menu.close" : "shell.menu.open")}
        </button>
        <a class="brand" {...linkTo("")}>
          Biotraza
        </a>
        <button
          type="button"
          class="button lang"
          id="lang-switch"
          lang={lang === "es" ? "en" : "es"}
          title={t("shell.lang.switch_title")}
          onClick={() => setLanguage(lang === "es" ? "en" : "es")}
        >
          {t("shell.lang.switch")}
        </button>
      </header>
      <StatusBar />
      <UpdateNotice />
      <div class="body">
        <Navigation current={path} onPick={() => setMenuOpen(false)} />
        <main ref={main} id="main">
          <Current />
        </main>
      </div>
    </div>
  );
}
