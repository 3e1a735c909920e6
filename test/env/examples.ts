// examples/ as users apply them, and the same files pointed at another Unleash: the demo's,
// or env:up's when it could not put the emulator where examples/ point.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../harness/repo.js";
import { DEFAULT_ADMIN_TOKEN } from "../unleash-emulator/index.js";

/** Where examples/ point: the emulator on its well-known port with its default admin token. */
export const EXAMPLES_UNLEASH = { url: "http://127.0.0.1:4242", port: 4242, adminToken: DEFAULT_ADMIN_TOKEN } as const;

const EXAMPLES_DIR = join(repoRoot, "examples");

export interface ExampleFile {
  name: string;
  text: string;
}

/** Every examples/*.yaml, in the order kubectl applies them, with the URL and admin token of `unleash`. */
export async function examplesPointedAt(unleash: { url: string; adminToken: string }): Promise<ExampleFile[]> {
  const names = (await readdir(EXAMPLES_DIR)).filter((name) => name.endsWith(".yaml")).sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      text: (await readFile(join(EXAMPLES_DIR, name), "utf8"))
        .replaceAll(EXAMPLES_UNLEASH.url, unleash.url)
        .replaceAll(`"${EXAMPLES_UNLEASH.adminToken}"`, JSON.stringify(unleash.adminToken)),
    })),
  );
}

/** Writes examplesPointedAt(unleash) into dir, replacing what was there. */
export async function writeExamplesPointedAt(unleash: { url: string; adminToken: string }, dir: string): Promise<void> {
  const files = await examplesPointedAt(unleash);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // One of them holds the admin token.
  await Promise.all(files.map((file) => writeFile(join(dir, file.name), file.text, { mode: 0o600 })));
}
