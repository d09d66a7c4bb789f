/**
 * The contacts a search can match, found by id or email instead of a scan when every filter
 * group has an `EQ`/`IN` filter on `hs_object_id` or `email`. Search sorts its hits with an id
 * tiebreak, so the order of these does not change the answer.
 */
import type { SearchFilter } from "./search.ts";
import type { ContactStore, StoredContact } from "./store.ts";

export function searchCandidates(
  store: ContactStore,
  groups: Array<{ filters: SearchFilter[] }>,
): StoredContact[] {
  if (groups.length === 0) return store.all();
  const found = new Map<string, StoredContact>();
  for (const group of groups) {
    const narrowest = group.filters
      .map((filter) => pinned(store, filter))
      .filter((c): c is StoredContact[] => c !== undefined)
      .sort((a, b) => a.length - b.length)[0];
    if (!narrowest) return store.all();
    for (const contact of narrowest) found.set(contact.id, contact);
  }
  return [...found.values()];
}

/** The contacts `filter` can match (a superset is fine: every filter is applied afterwards). */
function pinned(store: ContactStore, filter: SearchFilter): StoredContact[] | undefined {
  const values =
    filter.operator === "EQ"
      ? [filter.value]
      : filter.operator === "IN"
        ? (filter.values ?? [])
        : undefined;
  if (!values) return undefined;
  const lookup =
    filter.propertyName === "email"
      ? // Text compares lower-cased and untrimmed, as the emails are kept.
        (v: unknown) => store.getByEmailKey(String(v ?? "").toLowerCase())
      : filter.propertyName === "hs_object_id"
        ? // A number property: "01001" and "1001.0" find contact 1001.
          (v: unknown) => store.get(String(Number(String(v ?? ""))))
        : undefined;
  if (!lookup) return undefined;
  return values.map(lookup).filter((c): c is StoredContact => c !== undefined);
}
