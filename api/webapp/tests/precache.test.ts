/** The build-time precache list: every built file but the worker, and a content version. */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { precacheManifest } from "../tools/precache";

function build(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "precache-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const FILES = {
  "index.html": "<html></html>",
  "assets/app-abc.js": "console.log(1)",
  "assets/app-abc.js.map": "{}",
  "icons/icon.svg": "<svg/>",
  "manifest.webmanifest": "{}",
  "sw.js": "self",
};

describe("precacheManifest", () => {
  it("lists every file under the base except the worker and source maps", () => {
    const { files } = precacheManifest(build(FILES), "/app/");
    expect(files).toEqual([
      "/app/assets/app-abc.js",
      "/app/icons/icon.svg",
      "/app/index.html",
      "/app/manifest.webmanifest",
    ]);
  });

  it("keeps the version for the same bytes and changes it for any other", () => {
    const same = precacheManifest(build(FILES), "/app/").version;
    expect(precacheManifest(build(FILES), "/app/").version).toBe(same);
    expect(precacheManifest(build({ ...FILES, "sw.js": "changed" }), "/app/").version).toBe(same);
    expect(precacheManifest(build({ ...FILES, "icons/icon.svg": "<svg></svg>" }), "/app/").version).not.toBe(same);
    expect(same).toMatch(/^[0-9a-f]{16}$/);
  });
});
