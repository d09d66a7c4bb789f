import type {
  Connector,
  ErasureCapable,
  SourceRecord,
  SystemName,
} from "../../connectors/contract.ts";
import { type Contact, linkKey, normalizeEmail } from "../core/contact.ts";
import { mapIn } from "../core/mapping.ts";
import { emailKeys } from "../core/resolve.ts";
import { describeError } from "../logger.ts";
import type { ErasureRow } from "../store/erasure.ts";
import type { Store } from "../store/index.ts";
import type { ErasureTarget } from "../store/schema.ts";
import type { PipelineDeps } from "./pipeline.ts";

const MAX_ATTEMPTS = 10;
const encoder = new TextEncoder();

const erasable = (c: Connector | undefined): c is Connector & ErasureCapable =>
  typeof (c as Partial<ErasureCapable> | undefined)?.erase === "function";

/** A per-installation salt, so tombstones cannot be matched against a list of known emails elsewhere. */
async function saltOf(store: Store): Promise<string> {
  return store.settings.getOrCreate("tombstone_salt", () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  });
}

async function hash(salt: string, identifier: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    encoder.encode(`${salt}\u0000${identifier}`),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const emailId = (email: string) => `email:${email}`;
const linkId = (ref: Parameters<typeof linkKey>[0]) => `link:${linkKey(ref)}`;

/**
 * Right to be forgotten: tombstones of salted hashes first (so no webhook, run or backfill
 * in flight can bring the person back), the audit row, the hub's own copy deleted, then
 * every linked system asked to delete. Systems that fail are retried later and stay visible.
 */
export async function startErasure(
  deps: PipelineDeps,
  contact: Contact,
  requestedBy: string,
): Promise<ErasureRow> {
  const salt = await saltOf(deps.store);
  const now = deps.now();
  const targets: ErasureTarget[] = await Promise.all(
    contact.links.map(async (link) => {
      const externalIdHash = await hash(salt, linkId(link));
      // An imported CSV row lives on only in the hub (the upload is deleted when its job
      // ends): deleting the hub's copy erases it; the tombstone keeps a re-import out.
      if (link.system.startsWith("csv:"))
        return {
          system: link.system,
          object: link.object,
          externalId: null,
          externalIdHash,
          status: "erased" as const,
          attempts: 0,
          confirmedAt: now,
        };
      return {
        system: link.system,
        object: link.object,
        externalId: link.externalId,
        externalIdHash,
        status: "pending" as const,
        attempts: 0,
      };
    }),
  );
  const hashes = [
    ...targets.map((t) => t.externalIdHash),
    ...(await Promise.all(emailKeys(contact).map((email) => hash(salt, emailId(email))))),
  ];
  const row = {
    id: deps.newId(),
    requestedBy,
    status: "running" as const,
    targets,
    createdAt: now,
  };
  await deps.store.erasures.begin(row, hashes, contact.id);
  return continueErasure(deps, row.id);
}

/** Asks every system not yet confirmed to delete the person; safe to call again. */
export async function continueErasure(
  deps: PipelineDeps & {
    logger?: { warn: (m: string, f?: Record<string, string | number>) => void };
  },
  id: string,
): Promise<ErasureRow> {
  const row = (await deps.store.erasures.get(id))!;
  const targets = row.targets.map((t) => ({ ...t }));
  for (const target of targets) {
    if (target.status === "erased" || target.attempts >= MAX_ATTEMPTS || !target.externalId)
      continue;
    const connector = deps.connectors.get(target.system as SystemName);
    target.attempts++;
    if (!erasable(connector)) {
      target.status = "failed";
      target.lastError = `${target.system} cannot erase records`;
      continue;
    }
    try {
      const [result] = await connector.erase([
        { object: target.object, externalId: target.externalId },
      ]);
      if (result?.ok) {
        target.status = "erased";
        target.confirmedAt = deps.now();
        target.externalId = null;
        delete target.lastError;
      } else {
        target.status = "failed";
        target.lastError = result?.error?.code ?? "NO_RESULT";
      }
    } catch (error) {
      target.status = "failed";
      target.lastError = describeError(error).slice(0, 200);
      deps.logger?.warn("erasure call failed", { erasure: id, system: target.system });
    }
  }
  const done = targets.every((t) => t.status === "erased");
  await deps.store.erasures.update(id, {
    targets,
    status: done ? "completed" : "partial",
    ...(done ? { completedAt: deps.now() } : {}),
  });
  return (await deps.store.erasures.get(id))!;
}

/** Drops records of erased people: by their link, or by any email they carry. */
export async function withoutErased(
  deps: PipelineDeps,
  records: SourceRecord[],
): Promise<SourceRecord[]> {
  if (records.length === 0 || !(await deps.store.erasures.anyTombstones())) return records;
  const salt = await saltOf(deps.store);
  const keyed = await Promise.all(
    records.map(async (record) => {
      const mapping = deps.mappings.get(record.system, record.object);
      const email = mapping ? normalizeEmail(mapIn(mapping, record.fields).email) : null;
      const hashes = [
        await hash(salt, linkId(record)),
        ...(email ? [await hash(salt, emailId(email))] : []),
      ];
      return { record, hashes };
    }),
  );
  const dead = await deps.store.erasures.tombstoned(keyed.flatMap((k) => k.hashes));
  if (dead.size === 0) return records;
  return keyed.filter((k) => !k.hashes.some((h) => dead.has(h))).map((k) => k.record);
}
