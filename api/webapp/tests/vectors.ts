/** Reading the repository's shared known-answer files (tests/vectors), as the Python tests do. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const VECTORS_DIR = fileURLToPath(new URL("../../../tests/vectors/", import.meta.url));

export function readVector<T>(relative: string): T {
  return JSON.parse(readFileSync(join(VECTORS_DIR, relative), "utf8")) as T;
}

/** Every `.json` file under a vector directory, with its path relative to that directory. */
export function jsonFilesUnder(relative: string): string[] {
  const root = join(VECTORS_DIR, relative);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".json")) out.push(path.slice(VECTORS_DIR.length));
    }
  };
  walk(root);
  return out;
}
