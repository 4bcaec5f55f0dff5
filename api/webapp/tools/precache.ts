/**
 * A tiny Vite plugin that tells the service worker what to precache.
 *
 * After Vite has written `dist/`, it lists every file there (the hashed JS/CSS, index.html,
 * the manifest and icons; not the worker itself), derives a version from their contents and
 * prepends `self.__PRECACHE__ = {version, files}` to `dist/sw.js`. Reading the written folder
 * rather than Vite's bundle object means files copied from `public/` are included too, and a
 * build that changes any byte changes the version, so browsers install the new worker; one
 * that changes nothing keeps it (no needless update prompt).
 *
 * Workbox would do this too, but adds a dependency tree for ~60 lines of our own.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Plugin, ResolvedConfig } from "vite";

export const WORKER_FILE = "sw.js";

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** The precache list (URLs under `base`) and content version of the built folder `outDir`. */
export function precacheManifest(outDir: string, base: string): { version: string; files: string[] } {
  const hash = createHash("sha256");
  const files: string[] = [];
  for (const path of walk(outDir).sort()) {
    const name = relative(outDir, path).split(sep).join("/");
    if (name === WORKER_FILE || name.endsWith(".map")) continue;
    hash.update(name).update("\0").update(readFileSync(path)).update("\0");
    files.push(base + name);
  }
  return { version: hash.digest("hex").slice(0, 16), files };
}

export function precachePlugin(): Plugin {
  let config: ResolvedConfig;
  return {
    name: "biotraza-precache",
    apply: "build",
    configResolved(resolved) {
      config = resolved;
    },
    writeBundle() {
      const outDir = join(config.root, config.build.outDir);
      const worker = join(outDir, WORKER_FILE);
      const manifest = precacheManifest(outDir, config.base);
      const code = readFileSync(worker, "utf8");
      writeFileSync(worker, `self.__PRECACHE__=${JSON.stringify(manifest)};\n${code}`);
    },
  };
}
