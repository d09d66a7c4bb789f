/**
 * The CRM search semantics the simulator implements: filterGroups are OR-ed, filters in a
 * group AND-ed; datetime values compare as epoch ms (epoch-ms strings or ISO both accepted);
 * text compares case-insensitively. Results stop at 10,000 per query.
 * Docs: https://developers.hubspot.com/docs/api/crm/search
 */
import type { PropertyDefinition, StoredContact } from "./store.ts";

export const SEARCH_MAX_LIMIT = 200;
export const SEARCH_MAX_RESULTS = 10_000;
export const SEARCH_MAX_GROUPS = 6;
export const SEARCH_MAX_FILTERS_PER_GROUP = 6;
export const SEARCH_MAX_FILTERS_TOTAL = 18;

export const OPERATORS = [
  "EQ",
  "NEQ",
  "LT",
  "LTE",
  "GT",
  "GTE",
  "IN",
  "NOT_IN",
  "HAS_PROPERTY",
  "NOT_HAS_PROPERTY",
  "BETWEEN",
  "CONTAINS_TOKEN",
  "NOT_CONTAINS_TOKEN",
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface SearchFilter {
  propertyName: string;
  operator: Operator;
  value?: string | number | boolean;
  highValue?: string | number;
  values?: Array<string | number>;
}

export interface SearchSort {
  propertyName: string;
  direction: "ASCENDING" | "DESCENDING";
}

type Catalog = Map<string, PropertyDefinition>;

/** A comparable form of a value: numbers for datetime/number properties, lowercase text else. */
function comparable(raw: unknown, definition: PropertyDefinition | undefined): number | string {
  const text = String(raw ?? "");
  if (definition?.type === "datetime") {
    if (/^-?\d+$/.test(text)) return Number(text);
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? Number.NaN : ms;
  }
  if (definition?.type === "number") return Number(text);
  return text.toLowerCase();
}

/** Timestamps the store keeps as numbers are read directly (no ISO parsing per comparison). */
function actualValue(contact: StoredContact, name: string, definition?: PropertyDefinition) {
  if (name === "lastmodifieddate") return contact.updatedAt;
  if (name === "createdate") return contact.createdAt;
  return comparable(contact.properties[name], definition);
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** A filter as a test of one contact, its values made comparable once per search. */
function compile(filter: SearchFilter, catalog: Catalog): (contact: StoredContact) => boolean {
  const name = filter.propertyName;
  const definition = catalog.get(name);
  const value = comparable(filter.value, definition);
  const values = (filter.values ?? []).map((v) => comparable(v, definition));
  const high = comparable(filter.highValue, definition);
  const token = String(value).replaceAll("*", "");
  const test = (actual: number | string): boolean => {
    switch (filter.operator) {
      case "EQ":
        return compare(actual, value) === 0;
      case "NEQ":
        return compare(actual, value) !== 0;
      case "LT":
        return compare(actual, value) < 0;
      case "LTE":
        return compare(actual, value) <= 0;
      case "GT":
        return compare(actual, value) > 0;
      case "GTE":
        return compare(actual, value) >= 0;
      case "BETWEEN":
        return compare(actual, value) >= 0 && compare(actual, high) <= 0;
      case "IN":
        return values.some((v) => compare(actual, v) === 0);
      case "NOT_IN":
        return !values.some((v) => compare(actual, v) === 0);
      case "CONTAINS_TOKEN":
        return String(actual).includes(token);
      case "NOT_CONTAINS_TOKEN":
        return !String(actual).includes(token);
      default:
        return false;
    }
  };
  return (contact) => {
    const raw = contact.properties[name];
    const has = raw !== undefined && raw !== "";
    if (filter.operator === "HAS_PROPERTY") return has;
    if (filter.operator === "NOT_HAS_PROPERTY") return !has;
    if (!has) return filter.operator === "NEQ" || filter.operator === "NOT_IN";
    return test(actualValue(contact, name, definition));
  };
}

const QUERY_PROPERTIES = ["email", "firstname", "lastname", "phone", "company", "website"];

export function runSearch(
  contacts: StoredContact[],
  request: {
    filterGroups: Array<{ filters: SearchFilter[] }>;
    sorts: SearchSort[];
    query?: string;
  },
  catalog: Catalog,
): StoredContact[] {
  const query = request.query?.trim().toLowerCase();
  const groups = request.filterGroups.map((group) => group.filters.map((f) => compile(f, catalog)));
  const hits = contacts.filter((contact) => {
    if (
      query &&
      !QUERY_PROPERTIES.some((p) => contact.properties[p]?.toLowerCase().includes(query))
    )
      return false;
    if (groups.length === 0) return true;
    return groups.some((tests) => tests.every((test) => test(contact)));
  });
  const sorts = request.sorts;
  hits.sort((a, b) => {
    for (const sort of sorts) {
      const definition = catalog.get(sort.propertyName);
      const left = a.properties[sort.propertyName];
      const right = b.properties[sort.propertyName];
      if (left === undefined && right !== undefined) return 1;
      if (right === undefined && left !== undefined) return -1;
      const order = compare(
        actualValue(a, sort.propertyName, definition),
        actualValue(b, sort.propertyName, definition),
      );
      if (order !== 0) return sort.direction === "DESCENDING" ? -order : order;
    }
    return Number(a.id) - Number(b.id);
  });
  return hits;
}
