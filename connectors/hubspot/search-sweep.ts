/**
 * Keyset paging over a CRM search, the one way every incremental HubSpot read pages.
 *
 * Search `after` is an offset recomputed on every call, so a record modified mid-pull
 * jumps to the end of the order and shifts the offsets, which can skip a record; and a
 * search stops at 10,000 results. So every page is a fresh query `<time> >= last seen`:
 * ties at the boundary are re-read, never skipped, and no query nears the cap. When a whole
 * page shares one timestamp, that millisecond is swept by hs_object_id before moving on.
 */
export type Filter = { propertyName: string; operator: string; value: string };

export interface SweepOptions<T> {
  /** One search call: filters (the caller adds its own, e.g. an `until`), sorted ascending by `sortBy`. */
  search: (filters: Filter[], sortBy: string) => Promise<T[]>;
  timeProperty: string;
  timeOf: (item: T) => number;
  idOf: (item: T) => string;
  since: number;
  limit: number;
}

/** Pages oldest first, each with the modification time a resumed read may restart at. */
export async function* sweepSearch<T>(
  o: SweepOptions<T>,
): AsyncGenerator<{ items: T[]; at: number }> {
  let since = o.since;
  for (;;) {
    const items = await o.search(
      [{ propertyName: o.timeProperty, operator: "GTE", value: String(since) }],
      o.timeProperty,
    );
    if (items.length === 0) return;
    const last = o.timeOf(items[items.length - 1]!);
    yield { items, at: last };
    if (items.length < o.limit) return;
    if (last > since) {
      since = last;
      continue;
    }
    let afterId = "0";
    for (;;) {
      const ties = await o.search(
        [
          { propertyName: o.timeProperty, operator: "EQ", value: String(since) },
          { propertyName: "hs_object_id", operator: "GT", value: afterId },
        ],
        "hs_object_id",
      );
      if (ties.length === 0) break;
      yield { items: ties, at: since };
      afterId = o.idOf(ties[ties.length - 1]!);
      if (ties.length < o.limit) break;
    }
    since += 1;
  }
}
