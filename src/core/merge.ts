import { type Contact, linkKey } from "./contact.ts";
import type { Rules } from "./mapping-spec.ts";
import { survive } from "./survivorship.ts";

/** Two records of one person become one: every link kept, the golden record recomputed. */
export function mergeContacts(winner: Contact, loser: Contact, rules: Rules, now: number): Contact {
  const links = [...winner.links];
  const seen = new Set(links.map(linkKey));
  for (const link of loser.links) if (!seen.has(linkKey(link))) links.push(link);
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
  const keep = winner.links.filter((l) => !theirs.has(linkKey(l)));
  const back = winner.links.filter((l) => theirs.has(linkKey(l)));
  return {
    winner: { ...winner, links: keep, golden: survive(keep, rules), updatedAt: now },
    loser: { ...loserBefore, links: back, golden: survive(back, rules), updatedAt: now },
  };
}
