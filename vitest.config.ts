import { defineConfig } from "vitest/config";

/** Tests that measure latency under load run after the rest, on their own. */
const ALONE = ["test/e2e/realtime-under-load.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["test/**/*.test.ts", "connectors/**/*.test.ts"],
          exclude: ALONE,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "alone", include: ALONE, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
