/**
 * The screens of the app and where they sit in the navigation: the one list the menu, the
 * home tiles and the router read.
 *
 * A feature module plugs in with an entry whose component loads lazily (its own chunk, not
 * part of the first load): `component: lazyScreen(() => import("../x/XScreen").then((m) =>
 * m.XScreen))`. A screen component takes no props and reads what it needs (language via
 * `useLanguage`, network via `useStore(online)`). Adding a new screen is one entry here and
 * its `shell.nav.<id>` title in both languages.
 */
import type { ComponentType } from "preact";
import type { Role } from "./roles";
import { Home } from "./Home";
import { lazyScreen } from "./lazy";
import "../field/field.css";
import "../sync/sync.css";

export type Group = "field" | "office";

export interface Screen {
  /** Route under /app/ ("" is home) and the `shell.nav.<id>` title key. */
  id: string;
  path: string;
  group: Group;
  component: ComponentType;
  /** Roles whose screens these are (src/shell/roles.ts); none: shown to everyone. */
  roles?: readonly Role[];
}

export const SCREENS: readonly Screen[] = [
  { id: "home", path: "", group: "field", component: Home },
  { id: "members", path: "members", group: "field", component: lazyScreen(() => import("../field/MembersScreen").then((m) => m.MembersScreen)), roles: ["field"] },
  { id: "plots", path: "plots", group: "field", component: lazyScreen(() => import("../field/PlotsScreen").then((m) => m.PlotsScreen)), roles: ["field"] },
  { id: "apiaries", path: "apiaries", group: "field", component: lazyScreen(() => import("../field/ApiariesScreen").then((m) => m.ApiariesScreen)), roles: ["field"] },
  { id: "deliveries", path: "deliveries", group: "field", component: lazyScreen(() => import("../field/DeliveriesScreen").then((m) => m.DeliveriesScreen)), roles: ["field"] },
  { id: "receipts", path: "receipts", group: "field", component: lazyScreen(() => import("../field/ReceiptsScreen").then((m) => m.ReceiptsScreen)), roles: ["field"] },
  { id: "outbox", path: "outbox", group: "field", component: lazyScreen(() => import("../sync/OutboxScreen").then((m) => m.OutboxScreen)), roles: ["field", "certifier"] },
  { id: "setup", path: "setup", group: "field", component: lazyScreen(() => import("../field/SetupScreen").then((m) => m.SetupScreen)) },
  { id: "devices", path: "devices", group: "office", component: lazyScreen(() => import("../office/DevicesScreen").then((m) => m.DevicesScreen)), roles: ["office"] },
  { id: "credentials", path: "credentials", group: "office", component: lazyScreen(() => import("../office/CredentialsScreen").then((m) => m.CredentialsScreen)), roles: ["office"] },
  { id: "lots", path: "lots", group: "office", component: lazyScreen(() => import("./LotsScreen").then((m) => m.LotsScreen)), roles: ["office", "label_issuer"] },
  { id: "labels", path: "labels", group: "office", component: lazyScreen(() => import("../labeloffice/LabelOfficeScreen").then((m) => m.LabelOfficeScreen)), roles: ["label_issuer"] },
  { id: "inspection", path: "inspection", group: "office", component: lazyScreen(() => import("../certifier/CertifierScreen").then((m) => m.CertifierScreen)), roles: ["certifier"] },
];

export function screenFor(path: string): Screen | undefined {
  return SCREENS.find((screen) => screen.path === path);
}
