import type {
  ActivityWrite,
  EngagementCapable,
  EngagementEvent,
} from "../../connectors/contract.ts";
import { linkKey } from "../core/contact.ts";
import type { EngagementConfig } from "../core/engagement-config.ts";
import { addCounts, type PipelineDeps, publishPeople } from "./pipeline.ts";

/**
 * One page of engagement: events the hub wrote itself are skipped, the rest are stored
 * once per key against the person they belong to, and the newly seen ones of the
 * configured types are summarized into Salesforce as Tasks (idempotent by key there too).
 */
export async function syncEngagement(
  deps: PipelineDeps & { engagement?: EngagementConfig },
  events: EngagementEvent[],
  options: { dryRun?: boolean } = {},
): Promise<Record<string, number>> {
  const foreign = events.filter((e) => e.detail.tsunaguKey === undefined);
  const refs = foreign.map((e) => ({
    system: e.system,
    object: e.person.object,
    externalId: e.person.externalId,
  }));
  const contacts = await deps.store.contacts.loadFor(refs, []);
  const owner = new Map<string, string>();
  for (const contact of contacts)
    for (const link of contact.links) owner.set(linkKey(link), contact.id);
  const rows = foreign.flatMap((e) => {
    const contactId = owner.get(
      linkKey({ system: e.system, object: e.person.object, externalId: e.person.externalId }),
    );
    if (!contactId) return [];
    return [
      {
        key: e.key,
        contactId,
        system: e.system,
        type: e.type,
        occurredAt: e.occurredAt,
        title: e.title ?? null,
        detail: e.detail,
      },
    ];
  });
  const counts: Record<string, number> = {
    "engagement.read": events.length,
    "engagement.unmatched": foreign.length - rows.length,
  };
  if (options.dryRun) return counts;
  counts["engagement.new"] = await deps.store.engagement.add(rows);
  if (counts["engagement.new"] > 0 && deps.scoring)
    addCounts(counts, await publishPeople(deps, [...new Set(rows.map((r) => r.contactId))]));

  const tasks = deps.engagement?.salesforceTasks;
  const salesforce = deps.connectors.get("salesforce") as (EngagementCapable & object) | undefined;
  if (!tasks?.enabled || !salesforce?.writeActivities || rows.length === 0) return counts;
  const byContact = new Map(contacts.map((c) => [c.id, c]));
  const writes: ActivityWrite[] = [];
  for (const row of rows) {
    if (
      !tasks.types.includes(row.type as never) ||
      !tasks.fromSystems.includes(row.system as never)
    )
      continue;
    for (const link of byContact
      .get(row.contactId)
      ?.links.filter((l) => l.system === "salesforce") ?? []) {
      writes.push({
        ref: String(writes.length),
        key: row.key,
        person: { object: link.object, externalId: link.externalId },
        subject:
          `${tasks.subjectPrefix} ${row.type.replace(/_/g, " ")}${row.title ? `: ${row.title}` : ""}`.slice(
            0,
            255,
          ),
        description: `${row.type} recorded by ${row.system} at ${new Date(row.occurredAt).toISOString()}`,
        occurredAt: row.occurredAt,
      });
    }
  }
  if (writes.length > 0) {
    const results = await salesforce.writeActivities(writes);
    counts["salesforce.task"] = results.filter((r) => r.ok).length;
    counts.failed = results.filter((r) => !r.ok).length;
  }
  return counts;
}
