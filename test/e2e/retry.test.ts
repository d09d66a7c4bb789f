import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

interface Letter {
  id: string;
  status: string;
  retryable: boolean;
  retry: string;
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  error: { code: string };
}

/** The contact's dead letters, newest first. */
const lettersOf = async (contactEmail: string): Promise<Letter[]> => {
  const contact = (await t.api(`/v1/contacts?email=${encodeURIComponent(contactEmail)}`)).body
    .results[0];
  if (!contact) return [];
  const letters = (await t.api("/v1/dead-letters?limit=200")).body.results as (Letter & {
    contactId: string;
  })[];
  return letters.filter((l) => l.contactId === contact.id);
};
const letterOf = async (contactEmail: string) => (await lettersOf(contactEmail))[0];

const systemsOf = async (email: string) =>
  ((await t.api(`/v1/contacts?email=${encodeURIComponent(email)}`)).body.results[0]?.sources ?? [])
    .map((s: { system: string }) => s.system)
    .sort();

describe("dead letters are retried by the hub itself (engine thread)", () => {
  it("a retryable failure shows its attempts and next try, and is written once its time comes", async () => {
    const sf = t.hub.sandboxes.salesforce!;
    sf.injectFault({
      status: 503,
      times: 50,
      method: "POST",
      pathPrefix: "/services/data/v62.0/composite/sobjects",
    });
    t.hub.sandboxes.hubspot!.createContact({ email: "outage@example.com", lastname: "Outage" });
    await waitFor(() => letterOf("outage@example.com"), 30_000);
    await settle(t);
    sf.clearFaults();
    // Every notice about the person failed; the failures after the first were folded into it.
    const letters = await lettersOf("outage@example.com");
    expect(letters).toHaveLength(1);
    const letter = letters[0]!;
    expect(letter).toMatchObject({ status: "open", retryable: true, retry: "scheduled" });
    expect(letter.attempts).toBeGreaterThanOrEqual(1);
    // About a minute after the first failure, doubling after each next (jittered by up to half).
    const backoff = 60_000 * 2 ** (letter.attempts - 1);
    const wait = Date.parse(letter.nextAttemptAt!) - Date.parse(letter.updatedAt);
    expect(wait).toBeGreaterThanOrEqual(backoff / 2);
    expect(wait).toBeLessThanOrEqual(backoff);
    expect(await systemsOf("outage@example.com")).toEqual(["hubspot"]);

    // Let the minute pass (in the store, not by sleeping): the engine's own tick retries it.
    const sqlite = new Database(t.config.dbPath);
    sqlite
      .prepare("update dead_letters set next_attempt_at = ? where id = ?")
      .run(Date.now(), letter.id);
    sqlite.close();
    const done = await waitFor(async () => {
      const l = await letterOf("outage@example.com");
      return l?.status === "retried" ? l : undefined;
    }, 20_000);
    expect(done).toMatchObject({ retry: "done", attempts: letter.attempts, nextAttemptAt: null });
    expect(await systemsOf("outage@example.com")).toEqual(["hubspot", "salesforce"]);
  });

  it("a permanent failure stays an open dead letter with attempts 1 and no next try", async () => {
    t.hub.sandboxes.hubspot!.createContact({
      email: "refused@example.com",
      lastname: "R".repeat(100),
    });
    await waitFor(() => letterOf("refused@example.com"), 30_000);
    await settle(t);
    // Each notice about the person re-plans and fails the same way: every letter is permanent.
    const letters = await lettersOf("refused@example.com");
    for (const letter of letters) {
      expect(letter).toMatchObject({
        status: "open",
        retryable: false,
        retry: "permanent",
        attempts: 1,
        nextAttemptAt: null,
        error: { code: "STRING_TOO_LONG" },
      });
    }
    // Several engine ticks later they are untouched.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await lettersOf("refused@example.com")).toEqual(letters);
    const letter = letters[0]!;
    const open = (await t.api("/v1/dead-letters?status=open")).body.results as Letter[];
    expect(open.map((l) => l.id)).toContain(letter.id);
  });
});
