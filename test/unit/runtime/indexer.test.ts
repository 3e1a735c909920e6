import { describe, expect, it } from "vitest";
import type { InformerHandlers } from "../../../src/runtime/informer.js";
import { Indexer } from "../../../src/runtime/indexer.js";

interface Token {
  name: string;
  account?: string;
}

function tokensByAccount() {
  const handlers: Partial<{ [E in keyof InformerHandlers<Token>]: InformerHandlers<Token>[E] }> = {};
  const source = {
    on<E extends keyof InformerHandlers<Token>>(event: E, handler: InformerHandlers<Token>[E]) {
      handlers[event] = handler as never;
    },
  };
  const index = new Indexer<Token>(source, (t) => t.name, (t) => t.account);
  const emit = {
    add: (t: Token) => handlers.add?.(t),
    update: (t: Token, old: Token) => handlers.update?.(t, old),
    delete: (t: Token) => handlers.delete?.(t),
  };
  return { index, emit };
}

describe("Indexer", () => {
  it("finds the objects that share an index value", () => {
    const { index, emit } = tokensByAccount();
    emit.add({ name: "a1", account: "a" });
    emit.add({ name: "a2", account: "a" });
    emit.add({ name: "b1", account: "b" });
    expect(index.keys("a").sort()).toEqual(["a1", "a2"]);
    expect(index.keys("c")).toEqual([]);
  });

  it("moves an object whose index value changed, and drops a deleted one", () => {
    const { index, emit } = tokensByAccount();
    emit.add({ name: "t", account: "a" });
    emit.update({ name: "t", account: "b" }, { name: "t", account: "a" });
    expect(index.keys("a")).toEqual([]);
    expect(index.keys("b")).toEqual(["t"]);
    emit.delete({ name: "t", account: "b" });
    expect(index.keys("b")).toEqual([]);
  });

  it("leaves out an object without an index value (e.g. an invalid spec)", () => {
    const { index, emit } = tokensByAccount();
    emit.add({ name: "t", account: "a" });
    emit.update({ name: "t" }, { name: "t", account: "a" });
    expect(index.keys("a")).toEqual([]);
  });
});
