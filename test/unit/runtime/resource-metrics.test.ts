// Per-resource gauges: computed at scrape time, gone with their resource, and exported only by the leader.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ResourceGauges } from "../../../src/runtime/resource-metrics.js";

describe("ResourceGauges", () => {
  it("exports one series per resource at each scrape, drops a deleted one, and exports nothing while not leading", async () => {
    const registry = new Registry();
    let leading = true;
    const resources = new Map([
      ["a", 1],
      ["b", 2],
    ]);
    const gauges = new ResourceGauges(registry, () => leading);
    gauges.add({ name: "test_value", help: "h", labelNames: ["name"] }, () => [...resources].map(([name, value]) => ({ labels: { name }, value })));
    gauges.add({ name: "test_value", help: "h", labelNames: ["name"] }, () => [{ labels: { name: "c" }, value: 3 }]);
    expect(await registry.getSingleMetricAsString("test_value")).toContain('test_value{name="b"} 2');
    resources.delete("b");
    const after = await registry.getSingleMetricAsString("test_value");
    expect(after).not.toContain('name="b"');
    expect(after).toContain('test_value{name="a"} 1');
    expect(after).toContain('test_value{name="c"} 3');
    leading = false;
    expect(await registry.getSingleMetricAsString("test_value")).not.toMatch(/test_value\{/);
  });
});
