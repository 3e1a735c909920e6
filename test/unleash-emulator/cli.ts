// Standalone emulator: `npx tsx test/unleash-emulator/cli.ts --port 0 --admin-token T --state-file F
// [--latency-ms N] [--tls-cert file --tls-key file] [--base-path /unleash] [--token-format v1|v2]
// [--revocation-delay-ms N]`.
// Prints one JSON line {"url","controlUrl","pid"} once listening, nothing else; stops on SIGTERM/SIGINT.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { launchEmulator, type EmulatorOptions } from "./emulator.js";
import { TOKEN_FORMATS } from "./state.js";

const argsSchema = z
  .object({
    port: z.coerce.number().int().min(0).max(65535),
    "admin-token": z.string().min(1).optional(),
    "state-file": z.string().min(1).optional(),
    "latency-ms": z.coerce.number().int().nonnegative().optional(),
    "tls-cert": z.string().min(1).optional(),
    "tls-key": z.string().min(1).optional(),
    "base-path": z.string().optional(),
    "token-format": z.enum(TOKEN_FORMATS).optional(),
    "revocation-delay-ms": z.coerce.number().int().nonnegative().optional(),
  })
  .refine((args) => (args["tls-cert"] === undefined) === (args["tls-key"] === undefined), {
    error: "--tls-cert and --tls-key go together",
  });

function readArgs(): z.output<typeof argsSchema> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      "admin-token": { type: "string" },
      "state-file": { type: "string" },
      "latency-ms": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "base-path": { type: "string" },
      "token-format": { type: "string" },
      "revocation-delay-ms": { type: "string" },
    },
    strict: true,
  });
  return argsSchema.parse(values);
}

function optionsFrom(args: z.output<typeof argsSchema>): EmulatorOptions {
  const certFile = args["tls-cert"];
  const keyFile = args["tls-key"];
  return {
    port: args.port,
    ...(args["admin-token"] === undefined ? {} : { adminToken: args["admin-token"] }),
    ...(args["state-file"] === undefined ? {} : { stateFile: args["state-file"] }),
    ...(args["base-path"] === undefined ? {} : { basePath: args["base-path"] }),
    ...(args["token-format"] === undefined ? {} : { tokenFormat: args["token-format"] }),
    ...(args["revocation-delay-ms"] === undefined ? {} : { revocationDelayMs: args["revocation-delay-ms"] }),
    ...(certFile === undefined || keyFile === undefined
      ? {}
      : { tls: { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") } }),
  };
}

async function main(): Promise<void> {
  const args = readArgs();
  const { running, faults } = await launchEmulator(optionsFrom(args));
  if (args["latency-ms"] !== undefined) faults.setLatency("*", args["latency-ms"]);
  const stop = (): void => {
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.stdout.write(`${JSON.stringify({ url: running.url, controlUrl: running.controlUrl, pid: process.pid })}\n`);
}

main().catch((error: unknown) => {
  // The message of a startup failure names options and files, never the admin token.
  process.stderr.write(`unleash emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
