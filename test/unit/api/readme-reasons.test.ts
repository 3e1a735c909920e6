import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allReasons } from "../../../src/api/v1alpha1/conditions.js";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const table = readme.slice(readme.indexOf("## Status conditions"), readme.indexOf("## Argo CD and Flux"));
const documented = [...table.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((match) => match[1]);

describe("README's table of condition reasons", () => {
  it("documents every reason the operator sets, and no other", () => {
    expect(new Set(documented)).toEqual(new Set([...allReasons, "Idle"]));
  });
});
