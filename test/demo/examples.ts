// examples/ as a user applies them, pointed at the Unleash the demo started.
import { examplesPointedAt } from "../env/examples.js";

/** The namespace examples/ put everything in. */
export const EXAMPLES_NAMESPACE = "team-a";

export async function examplesFor(unleash: { url: string; adminToken: string }): Promise<string> {
  return (await examplesPointedAt(unleash)).map((file) => file.text).join("\n---\n");
}
