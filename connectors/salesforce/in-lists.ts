/**
 * SOQL `IN (...)` lists as long as a GET /query allows. Salesforce caps a REST call's URI and
 * headers at 16,384 bytes together (414 URI Too Long, 431 when the headers tip it over;
 * Salesforce Help 000386264); a SOQL statement may be 100,000 characters, so the URI is the
 * limit that binds; no limit on the number of values is documented.
 */
import { soqlString } from "./contacts.ts";

/** Room for the path and query string; the rest of the 16,384 bytes is left for headers. */
export const MAX_QUERY_URI = 14_336;
/** The longest path a query is sent on (queryAll, a two-digit API version). */
const QUERY_PATH = "/services/data/v99.9/queryAll?q=";

/**
 * Length in the request line: jsforce and fetch both parse the URL, which also escapes the `'`
 * that encodeURIComponent leaves alone.
 */
export const wireLength = (text: string) => encodeURIComponent(text).replace(/'/g, "%27").length;

/**
 * `soqlFor(list)` over `values` in as few statements as fit MAX_QUERY_URI on the wire, values
 * in input order; `list` is the quoted values joined by "," (", " would cost 3 more each).
 */
export function inQueries(values: string[], soqlFor: (list: string) => string): string[] {
  const fixed = QUERY_PATH.length + wireLength(soqlFor(""));
  const separator = wireLength(",");
  const out: string[] = [];
  let list: string[] = [];
  let size = fixed;
  for (const value of values) {
    const literal = soqlString(value);
    const length = wireLength(literal);
    if (list.length > 0 && size + separator + length > MAX_QUERY_URI) {
      out.push(soqlFor(list.join(",")));
      list = [];
      size = fixed;
    }
    size += (list.length > 0 ? separator : 0) + length;
    list.push(literal);
  }
  if (list.length > 0) out.push(soqlFor(list.join(",")));
  return out;
}
