/** Entry point: language on `<html>`, the app shell, network watching, the service worker. */
import { render } from "preact";
import { language } from "./i18n";
import { App } from "./shell/App";
import { registerServiceWorker, watchConnectivity } from "./shell/status";
import "./shell/shell.css";

document.documentElement.lang = language();
watchConnectivity();
const root = document.getElementById("app");
if (root) render(<App />, root);
// Dev server (`npm run dev`) has no built worker; only the built app registers one.
if (import.meta.env.PROD) void registerServiceWorker();
