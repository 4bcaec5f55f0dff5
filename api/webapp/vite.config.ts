/// <reference types="vitest/config" />
/**
 * Build of the browser app. The server serves `dist/` under `/app/`, so every asset URL is
 * relative to that base; Vite 8 compiles the TSX itself (tsconfig `jsx: react-jsx` with
 * `jsxImportSource: preact`), so no Babel-based preset is needed.
 */
import { defineConfig } from "vite";

export default defineConfig({
  base: "/app/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
