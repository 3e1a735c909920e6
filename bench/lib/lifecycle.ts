// Everything a benchmark starts is stopped at the end: on success, on error and on SIGINT/SIGTERM.

export class Cleanup {
  readonly #steps: Array<{ what: string; step: () => Promise<unknown> }> = [];
  #running: Promise<void> | undefined;

  /** Registers a stop step; steps run newest first (a thing stops before what it depends on). */
  add(what: string, step: () => Promise<unknown>): void {
    this.#steps.push({ what, step });
  }

  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const { what, step } of this.#steps.splice(0).reverse()) {
        try {
          await step();
        } catch (error) {
          process.stderr.write(`bench: stopping ${what} failed: ${(error as Error).message}\n`);
        }
      }
    })();
    return this.#running;
  }
}

/** Runs `main` with `cleanup` guaranteed; exits 1 on failure and 130 on a signal. */
export async function runWithCleanup(name: string, main: (cleanup: Cleanup) => Promise<void>): Promise<void> {
  const cleanup = new Cleanup();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${name}: ${signal}, stopping everything started\n`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let failed = false;
  try {
    await main(cleanup);
  } catch (error) {
    failed = true;
    process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  } finally {
    await cleanup.run();
  }
  process.exit(failed ? 1 : 0);
}
