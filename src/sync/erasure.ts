import type {
  Connector,
  ErasureCapable,
  SourceRecord,
  SystemName,
} from "../../connectors/contract.ts";
import {
  attributesOf,
  type CanonicalValues,
  type Contact,
  emailAddress,
  linkKey,
} from "../core/contact.ts";
import type { Identity } from "../core/identity.ts";
import { mapIn } from "../core/mapping.ts";
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

const linkId = (ref: Parameters<typeof linkKey>[0]) => `link:${linkKey(ref)}`;

/**
 * What a tombstone blocks: everything identity resolution would join to the person outright
 * (see identity.ts and WorkingSet.apply). One identifier per
 * - record of the person: `link:<system>/<object>/<externalId>` (the crosswalk);
 * - deterministic key (`Identity.keys`) of the golden record and of each record's view:
 *   `email:<mailbox under the provider rules>`, `phone:<E.164> <surname> <initial>`;
 * - address as written, trimmed and lower-cased: `email:<address>`. Tombstones had only this
 *   email form before the provider rules; hashing it for every record keeps those blocking.
 *   It shares the `email:` prefix with the key on purpose: a mailbox's canonical form is
 *   itself canonical, so either form of one mailbox names the same person, and outside the
 *   provider domains the two are the same identifier.
 */
function identifiersOf(identity: Identity, values: CanonicalValues): string[] {
  const ids = identity.keys(values).map((key) => `${key.kind}:${key.value}`);
  const address = emailAddress(values.email);
  if (address) ids.push(`email:${address}`);
  return ids;
}

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
  const views = [contact.golden, ...contact.links.map((link) => link.observed)];
  const keys = new Set(views.flatMap((view) => identifiersOf(deps.identity, attributesOf(view))));
  const hashes = [
    ...targets.map((t) => t.externalIdHash),
    ...(await Promise.all([...keys].map((id) => hash(salt, id)))),
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

/**
 * Drops records of erased people: a record whose link, email (under the provider rules or as
 * written) or phone key is tombstoned. Every webhook, run, backfill and import batch passes
 * here first (`syncRecords`).
 */
export async function withoutErased(
  deps: PipelineDeps,
  records: SourceRecord[],
): Promise<SourceRecord[]> {
  if (records.length === 0 || !(await deps.store.erasures.anyTombstones())) return records;
  const salt = await saltOf(deps.store);
  const keyed = await Promise.all(
    records.map(async (record) => {
      const mapping = deps.mappings.get(record.system, record.object);
      const ids = new Set([
        linkId(record),
        ...(mapping ? identifiersOf(deps.identity, mapIn(mapping, record.fields)) : []),
      ]);
      const hashes = await Promise.all([...ids].map((id) => hash(salt, id)));
      return { record, hashes };
    }),
  );
  const dead = await deps.store.erasures.tombstoned(keyed.flatMap((k) => k.hashes));
  if (dead.size === 0) return records;
  return keyed.filter((k) => !k.hashes.some((h) => dead.has(h))).map((k) => k.record);
}
