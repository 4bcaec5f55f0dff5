/** A screen that another module is still building: its title and what it is for, no controls. */
import type { ComponentType } from "preact";
import { t, useLanguage } from "../i18n";

export function frame(id: string): ComponentType {
  function FrameScreen() {
    useLanguage();
    return (
      <section class="screen">
        <h1 tabIndex={-1}>{t(`shell.${id}.title`)}</h1>
        <p class="lead">{t(`shell.${id}.about`)}</p>
        <p class="note">{t("shell.frame.soon")}</p>
      </section>
    );
  }
  FrameScreen.displayName = `Frame(${id})`;
  return FrameScreen;
}
