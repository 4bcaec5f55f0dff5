/// <reference types="vitest/config" />
/**
 * End-to-end tests of the sync against the real Python server. They need a running server
 * with a prepared ledger, so they are not part of `npm test`: tests/api/test_webapp_sync.py
 * starts the server on SQLite and PostgreSQL and runs them with
 * `npx vitest run --config vitest.e2e.config.ts` (BIOTRAZA_E2E_* in the environment).
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/e2e/**/*.e2e.ts"],
    environment: "node",
    testTimeout: 120_000,
    fileParallelism: false,
  },
});
