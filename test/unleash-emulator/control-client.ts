// Typed client of the emulator's control API (/_emulator), for tests.
import { fetch, type Dispatcher } from "undici";
import type { z } from "zod";
import {
  callsResponseSchema,
  stateResponseSchema,
  type EmulatorStateView,
  type Fault,
  type NewEnvironment,
  type NewProject,
} from "./control-schema.js";
import type { TokenFormat } from "./state.js";

export type { EmulatorStateView, Fault, NewEnvironment, NewProject } from "./control-schema.js";

export class EmulatorControl {
  /** `dispatcher` is needed for an HTTPS emulator whose certificate the default agent does not trust. */
  constructor(
    private readonly controlUrl: string,
    private readonly dispatcher?: Dispatcher,
  ) {}

  /** Calls per route key, e.g. "POST /api/admin/service-account/:id/token", faulted ones included. */
  async calls(): Promise<Record<string, number>> {
    return (await this.read("/calls", callsResponseSchema)).calls;
  }

  /** The calls whose User-Agent contains `agent`, e.g. one operator replica's identity. */
  async callsBy(agent: string): Promise<Record<string, number>> {
    return (await this.read(`/calls?agent=${encodeURIComponent(agent)}`, callsResponseSchema)).calls;
  }

  async resetCalls(): Promise<void> {
    await this.write("DELETE", "/calls");
  }

  async setFault(fault: Fault): Promise<void> {
    await this.write("POST", "/faults", fault);
  }

  async clearFaults(): Promise<void> {
    await this.write("DELETE", "/faults");
  }

  /** Delay every call to `route` ("METHOD /pattern", or "*" for all) by `ms`; 0 removes it. */
  async setLatency(route: string, ms: number): Promise<void> {
    await this.write("PUT", "/latency", { route, ms });
  }

  /** Raw entries the service-account list carries after the real ones: an account without username, a malformed one. */
  async setListExtras(serviceAccounts: unknown[]): Promise<void> {
    await this.write("PUT", "/list-extras", { serviceAccounts });
  }

  /** Move the emulator's clock forward, e.g. past a token's expiry. */
  async advanceClock(ms: number): Promise<void> {
    await this.write("POST", "/clock/advance", { ms });
  }

  /** Creates a project (Enterprise has many; a fresh emulator has only "default"). Rejects a taken id. */
  async createProject(project: NewProject): Promise<void> {
    await this.write("POST", "/projects", project);
  }

  /** Deletes a project and all access to it; refused for "default" and for a project with flags. */
  async deleteProject(id: string): Promise<void> {
    await this.write("DELETE", "/projects", { id });
  }

  /** Creates an environment (a fresh emulator has development and production). Rejects a taken name. */
  async createEnvironment(environment: NewEnvironment): Promise<void> {
    await this.write("POST", "/environments", environment);
  }

  /** The format of SDK API tokens created from now on: "v2" is unleash-server's `secureTokenStorage` flag. */
  async setTokenFormat(format: TokenFormat): Promise<void> {
    await this.write("PUT", "/token-format", { format });
  }

  /**
   * How long the SDK routes go on accepting a deleted v1 token, or a token's old expiry after a PUT
   * (v1 and v2), as the server's token cache does: up to 60 s there. 0 (the default) counts at once.
   */
  async setRevocationDelay(ms: number): Promise<void> {
    await this.write("PUT", "/revocation-delay", { ms });
  }

  /** Every account (deleted ones too) and every token, secrets only as SHA-256 hashes. */
  async state(): Promise<EmulatorStateView> {
    return this.read("/state", stateResponseSchema);
  }

  private async read<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    const response = await this.request("GET", path);
    return schema.parse(await response.json());
  }

  private async write(method: string, path: string, body?: unknown): Promise<void> {
    await (await this.request(method, path, body)).arrayBuffer();
  }

  private async request(method: string, path: string, body?: unknown) {
    const response = await fetch(`${this.controlUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      ...(this.dispatcher === undefined ? {} : { dispatcher: this.dispatcher }),
    });
    if (!response.ok) {
      throw new Error(`emulator control ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    }
    return response;
  }
}
