// examples/ as a user applies them, pointed at the Unleash the demo started.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../harness/repo.js";
import { EXAMPLES_UNLEASH } from "./environment.js";

/** The namespace examples/ put everything in. */
export const EXAMPLES_NAMESPACE = "team-a";

const EXAMPLES_DIR = join(repoRoot, "examples");

export async function examplesFor(unleash: { url: string; adminToken: string }): Promise<string> {
  const files = (await readdir(EXAMPLES_DIR)).filter((file) => file.endsWith(".yaml")).sort();
  const documents = await Promise.all(files.map((file) => readFile(join(EXAMPLES_DIR, file), "utf8")));
  return documents
    .join("\n---\n")
    .replaceAll(EXAMPLES_UNLEASH.url, unleash.url)
    .replaceAll(`"${EXAMPLES_UNLEASH.adminToken}"`, JSON.stringify(unleash.adminToken));
}
