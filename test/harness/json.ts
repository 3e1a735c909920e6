/** The value of a JSON text, or undefined when it is none (a log line that is not JSON, a missing annotation). */
export function parseJsonOrUndefined(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
