/// <reference types="vitest/config" />
/**
 * Build of the browser app. The server serves `dist/` under `/app/`, so every asset URL is
 * relative to that base; Vite 8 compiles the TSX itself (tsconfig `jsx: react-jsx` with
 * `jsxImportSource: preact`), so no Babel-based preset is needed.
 *
 * Two entries: the app (index.html, hashed assets under assets/) and the service worker,
 * written to a fixed `dist/sw.js` so its URL, and so its scope `/app/`, never change. The
 * worker imports nothing, so it is a single classic script. `tools/precache.ts` then writes
 * the precache list into it.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { precachePlugin, WORKER_FILE } from "./tools/precache.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  base: "/app/",
  plugins: [precachePlugin()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
    rolldownOptions: {
      input: { app: here("index.html"), sw: here("src/sw/sw.ts") },
      output: {
        entryFileNames: (chunk) => (chunk.name === "sw" ? WORKER_FILE : "assets/[name]-[hash].js"),
      },
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
