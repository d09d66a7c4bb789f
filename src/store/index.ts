import { consentQueries, engagementQueries } from "./consent.ts";
import { contactQueries } from "./contacts.ts";
import { deadLetterQueries } from "./dead-letters.ts";
import { erasureQueries } from "./erasure.ts";
import { cursorQueries, inboxQueries } from "./inbox.ts";
import { jobQueries } from "./jobs.ts";
import type { Db } from "./sqlite.ts";

/** Every query the hub makes, grouped by table. */
export function createStore(db: Db) {
  return {
    contacts: contactQueries(db),
    inbox: inboxQueries(db),
    cursors: cursorQueries(db),
    jobs: jobQueries(db),
    deadLetters: deadLetterQueries(db),
    consent: consentQueries(db),
    engagement: engagementQueries(db),
    erasures: erasureQueries(db),
  };
}

export type Store = ReturnType<typeof createStore>;
