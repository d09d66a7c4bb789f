import { MessageChannel } from "node:worker_threads";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLanes, type Lane } from "../../src/sync/serial.ts";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("engine lanes", () => {
  it("a webhook batch queued behind bulk pages runs right after the page in progress", async () => {
    const lanes = createLanes();
    const order: string[] = [];
    const task = (name: string) => async () => {
      order.push(`start ${name}`);
      await tick();
      order.push(`end ${name}`);
    };
    const done = [
      lanes.run("bulk", task("page 1")),
      lanes.run("bulk", task("page 2")),
      lanes.run("bulk", task("page 3")),
    ];
    await tick();
    done.push(lanes.run("fast", task("notice")));
    await Promise.all(done);
    expect(order).toEqual([
      "start page 1",
      "end page 1",
      "start notice",
      "end notice",
      "start page 2",
      "end page 2",
      "start page 3",
      "end page 3",
    ]);
  });

  it("a notice's batch, queued by whoever awaited its fetch, goes before a waiting page", async () => {
    const lanes = createLanes({ handOver: setImmediate });
    const order: string[] = [];
    const page = lanes.run("bulk", async () => {
      order.push("page 1");
    });
    const pages = [page, lanes.run("bulk", async () => void order.push("page 2"))];
    // A few awaits between the fetch's end and its batch being queued, as a wrapper adds.
    const notice = lanes
      .run("fast", async () => void order.push("fetch"))
      .then(async () => {
        await null;
        await Promise.resolve();
        return lanes.run("fast", async () => void order.push("batch"));
      });
    await Promise.all([...pages, notice]);
    expect(order).toEqual(["page 1", "fetch", "batch", "page 2"]);
  });

  it("a notice that arrives by message while a page blocks the thread goes before the next page", async () => {
    const lanes = createLanes({ handOver: setImmediate });
    const order: string[] = [];
    const { port1, port2 } = new MessageChannel();
    port1.on("message", () => void lanes.run("fast", async () => void order.push("notice")));
    const busy = (name: string) => async () => {
      order.push(name);
      if (name === "page 1") {
        port2.postMessage("kick");
        // Synchronous work, as better-sqlite3 statements are: the message waits for its end.
        const until = Date.now() + 30;
        while (Date.now() < until);
      }
    };
    await Promise.all([lanes.run("bulk", busy("page 1")), lanes.run("bulk", busy("page 2"))]);
    await tick();
    port1.close();
    expect(order).toEqual(["page 1", "notice", "page 2"]);
  });

  it("never runs two tasks at once, runs every task, and a bulk task waits for at most `fastStreak` fast ones", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Lane>("fast", "bulk"), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        async (arrivals, fastStreak) => {
          const lanes = createLanes({ fastStreak });
          let running = 0;
          let overlap = false;
          const ran: Lane[] = [];
          await Promise.all(
            arrivals.map((lane) =>
              lanes.run(lane, async () => {
                overlap ||= running > 0;
                running++;
                await tick();
                ran.push(lane);
                running--;
              }),
            ),
          );
          expect(overlap).toBe(false);
          expect(ran.length).toBe(arrivals.length);
          // Once a bulk task waits, at most `fastStreak` fast tasks run before one bulk task.
          let fastInARow = 0;
          for (let i = 1; i < ran.length; i++) {
            const bulkWaiting = ran.slice(i).includes("bulk");
            fastInARow = ran[i] === "fast" && bulkWaiting ? fastInARow + 1 : 0;
            expect(fastInARow).toBeLessThanOrEqual(fastStreak);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a failing task rejects its caller only, and the next task still runs", async () => {
    const lanes = createLanes();
    const failed = lanes.run("bulk", async () => {
      throw new Error("page failed");
    });
    const next = lanes.run("fast", async () => "ran");
    await expect(failed).rejects.toThrow("page failed");
    await expect(next).resolves.toBe("ran");
  });
});
