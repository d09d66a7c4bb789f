/**
 * A small SOQL subset: SELECT fields | COUNT() FROM T [WHERE ...] [ORDER BY ...] [LIMIT n].
 * Conditions: = != <> < <= > >= [NOT] IN (...) LIKE, AND/OR/NOT and parentheses (mixing AND
 * and OR without parentheses is rejected, as SOQL does). String comparison is
 * case-insensitive; datetime fields take unquoted literals (2024-01-01T00:00:00Z).
 */

import { type FieldDef, fieldDef, type SObjectType, sobjectTypeOf } from "./schema.ts";
import { RequestError } from "./store.ts";

export { runSoql } from "./soql-eval.ts";

export type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "datetime"; value: number }
  | { kind: "date"; value: string };

export type Condition =
  | { op: "and" | "or"; terms: Condition[] }
  | { op: "not"; term: Condition }
  | { op: "cmp"; field: FieldDef; cmp: string; value: Literal }
  | { op: "in"; field: FieldDef; negate: boolean; values: Literal[] }
  | { op: "like"; field: FieldDef; pattern: RegExp };

export interface SoqlQuery {
  type: SObjectType;
  count: boolean;
  fields: FieldDef[];
  where?: Condition;
  orderBy: Array<{ field: FieldDef; desc: boolean; nullsLast: boolean }>;
  limit?: number;
}

interface Token {
  kind: "word" | "string" | "number" | "datetime" | "date" | "punct";
  text: string;
  value?: string | number;
  pos: number;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  f: "\f",
  "'": "'",
  '"': '"',
  "\\": "\\",
  "%": "\\%",
  _: "\\_",
};

function malformed(soql: string, pos: number, detail: string): RequestError {
  const line = soql.replace(/\n/g, " ");
  return new RequestError(
    400,
    "MALFORMED_QUERY",
    `\n${line}\n${" ".repeat(pos)}^\nERROR at Row:1:Column:${pos + 1}\n${detail}`,
  );
}

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = soql.slice(i);
    const dt = DATETIME.exec(rest);
    if (dt) {
      tokens.push({ kind: "datetime", text: dt[0], value: Date.parse(dt[0]), pos: i });
      i += dt[0].length;
      continue;
    }
    const day = /^\d{4}-\d{2}-\d{2}(?![\dT])/.exec(rest);
    if (day) {
      tokens.push({ kind: "date", text: day[0], value: day[0], pos: i });
      i += day[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num) {
      tokens.push({ kind: "number", text: num[0], value: Number(num[0]), pos: i });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (word) {
      tokens.push({ kind: "word", text: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    if (c === "'") {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= soql.length)
          throw malformed(soql, i, `line 1:${i} mismatched character '<EOF>' expecting '''`);
        const ch = soql.charAt(j);
        if (ch === "\\") {
          const esc = ESCAPES[soql.charAt(j + 1)];
          if (esc === undefined)
            throw malformed(soql, j, "Invalid string literal: illegal escape sequence");
          value += esc;
          j += 2;
        } else if (ch === "'") {
          break;
        } else {
          value += ch;
          j++;
        }
      }
      tokens.push({ kind: "string", text: soql.slice(i, j + 1), value, pos: i });
      i = j + 1;
      continue;
    }
    const punct = /^(<=|>=|!=|<>|[=<>(),])/.exec(rest);
    if (punct) {
      tokens.push({ kind: "punct", text: punct[0], pos: i });
      i += punct[0].length;
      continue;
    }
    throw malformed(soql, i, `unexpected token: '${c}'`);
  }
  return tokens;
}

export function parseSoql(soql: string): SoqlQuery {
  const tokens = tokenize(soql);
  let p = 0;
  const peek = () => tokens[p];
  const isWord = (w: string, t = peek()) => t?.kind === "word" && t.text.toUpperCase() === w;
  const fail = (detail?: string): never => {
    const t = peek();
    throw malformed(
      soql,
      t?.pos ?? soql.length,
      detail ?? `unexpected token: '${t?.text ?? "<EOF>"}'`,
    );
  };
  const expectWord = (w: string) => (isWord(w) ? p++ : fail());
  const expectPunct = (s: string) =>
    peek()?.kind === "punct" && peek()!.text === s ? p++ : fail();
  const isPunct = (s: string) => peek()?.kind === "punct" && peek()!.text === s;

  expectWord("SELECT");
  const selected: Token[] = [];
  let count = false;
  if (isWord("COUNT") && tokens[p + 1]?.text === "(") {
    p += 2;
    expectPunct(")");
    count = true;
  } else {
    for (;;) {
      const t = peek();
      if (t?.kind !== "word" || isWord("FROM")) fail();
      selected.push(t!);
      p++;
      if (!isPunct(",")) break;
      p++;
    }
  }
  expectWord("FROM");
  const typeToken = peek();
  if (typeToken?.kind !== "word") fail();
  p++;
  const type = sobjectTypeOf(typeToken!.text);
  if (!type) {
    throw new RequestError(
      400,
      "INVALID_TYPE",
      `\n${soql}\nsObject type '${typeToken!.text}' is not supported.`,
    );
  }
  const field = (t: Token | undefined): FieldDef => {
    if (t?.kind !== "word") return fail();
    const def = fieldDef(type, t.text);
    if (!def) {
      throw new RequestError(
        400,
        "INVALID_FIELD",
        `\n${soql}\n${" ".repeat(t.pos)}^\nERROR at Row:1:Column:${t.pos + 1}\nNo such column '${t.text}' on entity '${type}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return def;
  };
  const fields = selected.map(field);

  const literal = (def: FieldDef): Literal => {
    const t = peek();
    if (!t) return fail();
    p++;
    let lit: Literal;
    if (t.kind === "string") lit = { kind: "string", value: t.value as string };
    else if (t.kind === "number") lit = { kind: "number", value: t.value as number };
    else if (t.kind === "datetime") lit = { kind: "datetime", value: t.value as number };
    else if (t.kind === "date") lit = { kind: "date", value: t.value as string };
    else if (isWord("NULL", t)) lit = { kind: "null" };
    else if (isWord("TRUE", t) || isWord("FALSE", t))
      lit = { kind: "boolean", value: isWord("TRUE", t) };
    else {
      p--;
      return fail();
    }
    const expected: Record<string, Literal["kind"]> = {
      datetime: "datetime",
      date: "date",
      boolean: "boolean",
      int: "number",
      double: "number",
    };
    const want = expected[def.type] ?? "string";
    if (lit.kind !== "null" && lit.kind !== want) {
      p--;
      const quoted =
        want === "string" ? "should be enclosed in quotes" : "should not be enclosed in quotes";
      fail(
        `value of filter criterion for field '${def.name}' must be of type ${want === "datetime" ? "dateTime" : want} and ${quoted}`,
      );
    }
    return lit;
  };

  const primary = (): Condition => {
    if (isWord("NOT")) {
      p++;
      return { op: "not", term: primary() };
    }
    if (isPunct("(")) {
      p++;
      const inner = expression();
      expectPunct(")");
      return inner;
    }
    const def = field(peek());
    p++;
    const t = peek();
    if (isWord("NOT") && isWord("IN", tokens[p + 1])) {
      p += 2;
      return { op: "in", field: def, negate: true, values: list(def) };
    }
    if (isWord("IN")) {
      p++;
      return { op: "in", field: def, negate: false, values: list(def) };
    }
    if (isWord("LIKE")) {
      p++;
      const s = peek();
      if (s?.kind !== "string") return fail();
      p++;
      return { op: "like", field: def, pattern: likePattern(s.value as string) };
    }
    if (t?.kind !== "punct" || ["(", ")", ","].includes(t.text)) return fail();
    p++;
    return { op: "cmp", field: def, cmp: t.text === "<>" ? "!=" : t.text, value: literal(def) };
  };
  const list = (def: FieldDef): Literal[] => {
    expectPunct("(");
    const values = [literal(def)];
    while (isPunct(",")) {
      p++;
      values.push(literal(def));
    }
    expectPunct(")");
    return values;
  };
  const expression = (): Condition => {
    const terms = [primary()];
    let joiner: "and" | "or" | undefined;
    while (isWord("AND") || isWord("OR")) {
      const op = isWord("AND") ? "and" : "or";
      if (joiner && joiner !== op) fail();
      joiner = op;
      p++;
      terms.push(primary());
    }
    return joiner ? { op: joiner, terms } : terms[0]!;
  };

  const query: SoqlQuery = { type, count, fields, orderBy: [] };
  if (isWord("WHERE")) {
    p++;
    query.where = expression();
  }
  if (isWord("ORDER")) {
    p++;
    expectWord("BY");
    for (;;) {
      const def = field(peek());
      p++;
      let desc = false;
      if (isWord("ASC") || isWord("DESC")) desc = tokens[p++]!.text.toUpperCase() === "DESC";
      let nullsLast = desc;
      if (isWord("NULLS")) {
        p++;
        if (!isWord("FIRST") && !isWord("LAST")) fail();
        nullsLast = tokens[p++]!.text.toUpperCase() === "LAST";
      }
      query.orderBy.push({ field: def, desc, nullsLast });
      if (!isPunct(",")) break;
      p++;
    }
  }
  if (isWord("LIMIT")) {
    p++;
    const t = peek();
    if (t?.kind !== "number" || !Number.isInteger(t.value) || (t.value as number) < 0) fail();
    query.limit = t!.value as number;
    p++;
  }
  if (p < tokens.length) fail();
  return query;
}

export function likePattern(value: string): RegExp {
  let re = "";
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (c === "\\" && (value[i + 1] === "%" || value[i + 1] === "_")) {
      re += value[++i];
    } else if (c === "%") re += ".*";
    else if (c === "_") re += ".";
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "is");
}
