import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/contract/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/integration/build-operator.ts", "test/integration/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: the control plane and the operators compete with the tests.
          maxWorkers: 2,
        },
      },
    ],
  },
});
