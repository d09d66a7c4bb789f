import { type Contact, isBlank, type Link, linkKey, type Observation } from "./contact.ts";
import type { Rules } from "./mapping-spec.ts";
import { survive } from "./survivorship.ts";

/**
 * Two records of one person become one: every link kept, the golden record recomputed. A
 * field one of them left blank says nothing against a value the other holds (as in
 * HubSpot's merge, values only one side has are kept): such blanks are marked to count as
 * the oldest observation, so the value survives until someone clears it after the merge.
 */
export function mergeContacts(winner: Contact, loser: Contact, rules: Rules, now: number): Contact {
  const links = blanksAgedAgainst(winner.links, loser.links);
  const seen = new Set(links.map(linkKey));
  for (const link of blanksAgedAgainst(loser.links, winner.links))
    if (!seen.has(linkKey(link))) links.push(link);
  return {
    id: winner.id,
    links,
    golden: survive(links, rules),
    createdAt: Math.min(winner.createdAt, loser.createdAt),
    updatedAt: now,
  };
}

/**
 * Undoes a merge: the merged-away person gets back the links it brought (as they are now,
 * with whatever the hub has observed since), the winner keeps the rest. Links the winner
 * no longer has (deleted or erased since) are not brought back.
 */
export function splitContact(
  winner: Contact,
  loserBefore: Contact,
  rules: Rules,
  now: number,
): { winner: Contact; loser: Contact } {
  const theirs = new Set(loserBefore.links.map(linkKey));
  const links = winner.links.map(withoutMergeMarks);
  const keep = links.filter((l) => !theirs.has(linkKey(l)));
  const back = links.filter((l) => theirs.has(linkKey(l)));
  return {
    winner: { ...winner, links: keep, golden: survive(keep, rules), updatedAt: now },
    loser: { ...loserBefore, links: back, golden: survive(back, rules), updatedAt: now },
  };
}

/** `links` with each blank observation of a field some of `others` hold a value of marked `blankAtMerge`. */
function blanksAgedAgainst(links: readonly Link[], others: readonly Link[]): Link[] {
  const held = new Set<string>();
  for (const link of others)
    for (const [field, observation] of Object.entries(link.observed))
      if (observation && !isBlank(observation.value)) held.add(field);
  return links.map((link) => {
    const aged = Object.entries(link.observed).filter(
      ([field, observation]) => observation && isBlank(observation.value) && held.has(field),
    );
    if (aged.length === 0) return link;
    const observed = { ...link.observed };
    for (const [field, observation] of aged)
      (observed as Record<string, unknown>)[field] = { ...observation, blankAtMerge: true };
    return { ...link, observed };
  });
}

/** Apart again, a blank is an observation like any other (marks of earlier merges go too). */
function withoutMergeMarks(link: Link): Link {
  const marked = Object.entries(link.observed).filter(([, o]) => o?.blankAtMerge);
  if (marked.length === 0) return link;
  const observed = { ...link.observed };
  for (const [field, { blankAtMerge: _, ...observation }] of marked as [string, Observation][])
    (observed as Record<string, Observation>)[field] = observation;
  return { ...link, observed };
}
