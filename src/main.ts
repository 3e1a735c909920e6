#!/usr/bin/env node
import { ConfigError, helpText, loadConfig, type Config } from "./config.js";
import { NoClusterConfiguredError } from "./kube/no-cluster.js";
import { createLogger } from "./logging/logger.js";
import { operatorVersion } from "./version.js";

async function main(argv: string[]): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(argv, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`error: ${err.message}\n\n${helpText()}`);
    process.exit(2);
  }
  if (config.help) return void process.stdout.write(helpText());
  if (config.version) return void process.stdout.write(`${operatorVersion()}\n`);
  const logger = createLogger({ level: config.logLevel });
  // Loaded only to run: --help and --version answer without loading the Kubernetes client.
  const { run, fail } = await import("./app.js");
  try {
    await run(config, logger);
  } catch (err) {
    if (err instanceof NoClusterConfiguredError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    }
    fail(logger, err);
  }
}

await main(process.argv.slice(2));
