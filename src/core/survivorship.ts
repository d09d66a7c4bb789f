import type { FieldValue, SystemName } from "../../connectors/contract.ts";
import {
  type CanonicalField,
  type FieldProvenance,
  type Golden,
  isBlank,
  type Link,
  type Observed,
} from "./contact.ts";
import type { Rules } from "./mapping-spec.ts";

/**
 * The golden record is a pure function of what each linked system last showed for each
 * field (its observations) and the sync rules. Because it is recomputed from the full set
 * rather than patched event by event, the order in which changes arrive cannot change
 * the outcome: concurrent edits converge.
 */
export function survive(links: readonly Link[], rules: Rules): Golden {
  const candidates = new Map<CanonicalField, FieldProvenance[]>();
  for (const link of links) {
    for (const [field, observation] of Object.entries(link.observed) as [
      CanonicalField,
      NonNullable<Observed[CanonicalField]>,
    ][]) {
      const list = candidates.get(field) ?? [];
      const at = observation.blankAtMerge ? 0 : observation.at;
      list.push({ value: observation.value, system: link.system, at });
      candidates.set(field, list);
    }
  }
  const golden: Golden = {};
  for (const [field, list] of candidates) {
    const winner = pick(rules(field), list);
    if (winner) golden[field] = winner;
  }
  return golden;
}

function pick(rule: string, candidates: FieldProvenance[]): FieldProvenance | undefined {
  const preferred = rule.match(/^prefer_([a-z]+)_unless_blank$/)?.[1] as SystemName | undefined;
  if (preferred) {
    const filled = candidates.filter((c) => !isBlank(c.value));
    return (
      newest(filled.filter((c) => c.system === preferred)) ?? newest(filled) ?? newest(candidates)
    );
  }
  const always = rule.match(/^always_([a-z]+)$/)?.[1] as SystemName | undefined;
  if (always) return newest(candidates.filter((c) => c.system === always)) ?? newest(candidates);
  return newest(candidates);
}

/** Most recent first; exact ties are broken by system, then value, so every order agrees. */
function newest(candidates: FieldProvenance[]): FieldProvenance | undefined {
  let best: FieldProvenance | undefined;
  for (const c of candidates) {
    if (!best || compare(c, best) > 0) best = c;
  }
  return best;
}

function compare(a: FieldProvenance, b: FieldProvenance): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.system !== b.system) return a.system < b.system ? 1 : -1;
  return order(a.value) < order(b.value) ? 1 : order(a.value) > order(b.value) ? -1 : 0;
}

const order = (value: FieldValue) => (value === null ? "" : `${typeof value}:${String(value)}`);

/** Updates one system's observations with freshly read values; unchanged values keep their time. */
export function observe(
  observed: Observed,
  values: Partial<Record<CanonicalField, FieldValue>>,
  at: number,
): { observed: Observed; changed: CanonicalField[] } {
  const next: Observed = { ...observed };
  const changed: CanonicalField[] = [];
  for (const [field, value] of Object.entries(values) as [CanonicalField, FieldValue][]) {
    const previous = observed[field];
    if (previous && sameObserved(previous.value, value)) continue;
    if (!previous && isBlank(value)) {
      next[field] = { value: null, at };
      continue;
    }
    next[field] = { value: isBlank(value) ? null : value, at };
    changed.push(field);
  }
  return { observed: next, changed };
}

const sameObserved = (a: FieldValue, b: FieldValue) => (isBlank(a) && isBlank(b)) || a === b;
