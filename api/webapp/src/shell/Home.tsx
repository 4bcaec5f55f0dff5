/** Home: one large tile per screen, field work first, then the office. */
import { t, useLanguage } from "../i18n";
import { linkTo } from "./router";
import { heldRoles, shown } from "./roles";
import { SCREENS, type Group } from "./screens";
import { useStore } from "./store";

function Tiles({ group }: { group: Group }) {
  const held = useStore(heldRoles);
  const screens = SCREENS.filter((s) => s.group === group && s.path !== "" && shown(s.roles, held));
  return (
    <ul class="tiles">
      {screens.map((s) => (
        <li key={s.id}>
          <a class="tile" {...linkTo(s.path)}>
            <span class="tile-title">{t(`shell.nav.${s.id}`)}</span>
            <span class="tile-about">{t(`shell.${s.id}.about`)}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

export function Home() {
  useLanguage();
  return (
    <section class="screen">
      <h1 tabIndex={-1}>{t("shell.home.title")}</h1>
      <p class="lead">{t("shell.home.intro")}</p>
      <h2>{t("shell.home.field")}</h2>
      <Tiles group="field" />
      <h2>{t("shell.home.office")}</h2>
      <Tiles group="office" />
    </section>
  );
}
