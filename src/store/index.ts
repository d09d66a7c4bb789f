import type { Identity } from "../core/identity.ts";
import { consentQueries, engagementQueries } from "./consent.ts";
import { contactQueries } from "./contacts.ts";
import { deadLetterQueries } from "./dead-letters.ts";
import { duplicateQueries } from "./duplicates.ts";
import { erasureQueries } from "./erasure.ts";
import { cursorQueries, inboxQueries } from "./inbox.ts";
import { jobQueries } from "./jobs.ts";
import { pushQueueQueries } from "./push-queue.ts";
import { recordMergeQueries } from "./record-merges.ts";
import { settingQueries } from "./settings.ts";

export { type D1Like, type Db, storeDb } from "./db.ts";

import type { Db } from "./db.ts";

/**
 * Every query the hub makes, grouped by table. `holds`: batches hold the people they save
 * until they end (store/contacts.ts), for stores that several processes write at once (Workers).
 */
export function createStore(db: Db, identity: Identity, options: { holds?: boolean } = {}) {
  return {
    contacts: contactQueries(db, identity, options),
    duplicates: duplicateQueries(db),
    pushQueue: pushQueueQueries(db),
    inbox: inboxQueries(db),
    cursors: cursorQueries(db),
    jobs: jobQueries(db),
    deadLetters: deadLetterQueries(db),
    consent: consentQueries(db),
    engagement: engagementQueries(db),
    erasures: erasureQueries(db),
    recordMerges: recordMergeQueries(db),
    settings: settingQueries(db),
  };
}

export type Store = ReturnType<typeof createStore>;
