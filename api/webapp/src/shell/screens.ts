/**
 * The screens of the app and where they sit in the navigation: the one list the menu, the
 * home tiles and the router read.
 *
 * A feature module plugs in by replacing the `component` of its entry (e.g.
 * `component: PlotsScreen` imported from `../plots/PlotsScreen`); the path, title key and
 * group stay. A screen component takes no props and reads what it needs (language via
 * `useLanguage`, network via `useStore(online)`). Adding a new screen is one entry here and
 * its `shell.nav.<id>` title in both languages.
 */
import type { ComponentType } from "preact";
import { Home } from "./Home";
import { LotsScreen } from "./LotsScreen";
import { ApiariesScreen } from "../field/ApiariesScreen";
import { DeliveriesScreen } from "../field/DeliveriesScreen";
import { MembersScreen } from "../field/MembersScreen";
import { PlotsScreen } from "../field/PlotsScreen";
import { ReceiptsScreen } from "../field/ReceiptsScreen";
import { SetupScreen } from "../field/SetupScreen";
import { CertifierScreen } from "../certifier/CertifierScreen";
import "../field/field.css";
import "../sync/sync.css";
import { DevicesScreen } from "../office/DevicesScreen";
import { OutboxScreen } from "../sync/OutboxScreen";
import { LabelOfficeScreen } from "../labeloffice/LabelOfficeScreen";

export type Group = "field" | "office";

export interface Screen {
  /** Route under /app/ ("" is home) and the `shell.nav.<id>` title key. */
  id: string;
  path: string;
  group: Group;
  component: ComponentType;
}

export const SCREENS: readonly Screen[] = [
  { id: "home", path: "", group: "field", component: Home },
  { id: "members", path: "members", group: "field", component: MembersScreen },
  { id: "plots", path: "plots", group: "field", component: PlotsScreen },
  { id: "apiaries", path: "apiaries", group: "field", component: ApiariesScreen },
  { id: "deliveries", path: "deliveries", group: "field", component: DeliveriesScreen },
  { id: "receipts", path: "receipts", group: "field", component: ReceiptsScreen },
  { id: "outbox", path: "outbox", group: "field", component: OutboxScreen },
  { id: "setup", path: "setup", group: "field", component: SetupScreen },
  { id: "devices", path: "devices", group: "office", component: DevicesScreen },
  { id: "lots", path: "lots", group: "office", component: LotsScreen },
  { id: "labels", path: "labels", group: "office", component: LabelOfficeScreen },
  { id: "inspection", path: "inspection", group: "office", component: CertifierScreen },
];

export function screenFor(path: string): Screen | undefined {
  return SCREENS.find((screen) => screen.path === path);
}
