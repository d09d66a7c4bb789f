import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keepRowErrors, MAX_ROW_ERRORS, rowErrorsOf } from "../../src/import/job.ts";
import { type RawRow, readHeader, readRows } from "../../src/import/reader.ts";
import { boundaryOf, locateParts, partText } from "../../src/import/upload.ts";

const dir = mkdtempSync(join(tmpdir(), "tsunagu-csv-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const options = { delimiter: ",", trim: true };

function fileWith(name: string, content: string | Buffer) {
  const file = join(dir, name);
  writeFileSync(file, content);
  return { file, start: 0, end: Buffer.byteLength(content) };
}

async function all(source: { file: string; start: number; end: number }, from?: RawRow) {
  const header = await readHeader(source, options);
  const rows: RawRow[] = [];
  for await (const row of readRows(
    source,
    options,
    from ? { row: from.row, offset: from.end } : { row: 0, offset: header.end },
  ))
    rows.push(row);
  return { header, rows };
}

describe("streaming CSV reader", () => {
  it("reads BOM, CRLF, quoted line breaks and blank lines with exact row numbers and offsets", async () => {
    const text =
      '\uFEFFid, name, note\r\n1, Ada, "line one\r\nline two"\r\n\r\n2, "Grace, H.", é\r\n3, Bob, "say ""hi"""';
    const source = fileWith("mixed.csv", text);
    const { header, rows } = await all(source);
    expect(header.columns).toEqual(["id", "name", "note"]);
    expect(rows.map((r) => [r.row, r.cells])).toEqual([
      [1, ["1", "Ada", "line one\r\nline two"]],
      [2, ["2", "Grace, H.", "é"]],
      [3, ["3", "Bob", 'say "hi"']],
    ]);
    const bytes = Buffer.from(text);
    expect(bytes.subarray(rows[0]!.end).toString().startsWith("\r\n2,")).toBe(true);
    expect(rows.at(-1)!.end).toBe(bytes.length);
  });

  it("reports a malformed row with its row number and reads on from the next line", async () => {
    const source = fileWith(
      "broken.csv",
      'id,name\n1,ok\n2,"bad"x\n3,fine\n4,"never closed\n5,after\n',
    );
    const { rows } = await all(source);
    expect(rows.map((r) => [r.row, r.cells ?? r.error])).toEqual([
      [1, ["1", "ok"]],
      [2, "malformed CSV: a closing quote is followed by other text"],
      [3, ["3", "fine"]],
      [4, "malformed CSV: a quoted cell is never closed"],
      [5, ["5", "after"]],
    ]);
  });

  it("an unclosed quote costs one row, never the rest of the file (rows are capped at 1 MiB)", async () => {
    const filler = Array.from({ length: 1200 }, (_, i) => `${i},${"z".repeat(1000)}`);
    const source = fileWith("unclosed.csv", `id,name\n1,ok\n2,"open\n${filler.join("\n")}\n`);
    const { rows } = await all(source);
    expect(rows[1]).toMatchObject({ row: 2, error: expect.stringContaining("longer than") });
    expect(rows).toHaveLength(2 + 1200);
    expect(rows.at(-1)!.cells![0]).toBe("1199");
  });

  it("resumed at any row's end, reads exactly the rows after it (the job's checkpoint)", async () => {
    const lines = ["id,name"];
    for (let i = 1; i <= 300; i++)
      lines.push(i % 50 === 0 ? `${i},"broken"x` : `${i},"name ${i}\nsecond line"`);
    const source = fileWith("resume.csv", `${lines.join("\n")}\n`);
    const { rows } = await all(source);
    expect(rows).toHaveLength(300);
    for (const k of [0, 1, 49, 50, 149, 298, 299]) {
      const { rows: rest } = await all(source, rows[k]);
      expect(rest).toEqual(rows.slice(k + 1));
    }
  });

  it("finds the CSV inside a stored multipart body by byte range", async () => {
    const csv = "rec_id,given_name\r\nrec-1,ada\r\nrec-2,grace\r\n";
    const form = new FormData();
    form.append("mapping", "febrl");
    form.append("file", new Blob([csv], { type: "text/csv" }), "people.csv");
    const response = new Response(form);
    const body = Buffer.from(await response.arrayBuffer());
    const file = join(dir, "form.upload");
    writeFileSync(file, body);
    const boundary = boundaryOf(response.headers.get("content-type")!)!;
    const parts = await locateParts(file, boundary);
    expect(parts.map((p) => [p.name, p.filename])).toEqual([
      ["mapping", undefined],
      ["file", "people.csv"],
    ]);
    expect(await partText(file, parts[0]!)).toBe("febrl");
    const filePart = parts[1]!;
    expect(readFileSync(file).subarray(filePart.start, filePart.end).toString()).toBe(csv);
    const { rows } = await all({ file, start: filePart.start, end: filePart.end });
    expect(rows.map((r) => r.cells)).toEqual([
      ["rec-1", "ada"],
      ["rec-2", "grace"],
    ]);
  });

  it("keeps the first 1,000 row errors in groups the job store can hold, and shows one per row", () => {
    let errors = keepRowErrors([], [{ row: 3, reason: "bad" }], 1);
    errors = keepRowErrors(
      errors,
      Array.from({ length: 1500 }, (_, i) => ({ row: 10 + i, reason: `r${i}` })),
      2,
    );
    // The store keeps the last 100 job errors: the groups leave room for the job's own.
    expect(errors.length).toBeLessThanOrEqual(40);
    const shown = rowErrorsOf([...errors, { at: 3, message: "job failed" }]);
    expect(shown).toHaveLength(MAX_ROW_ERRORS + 1);
    expect(shown[0]).toEqual({ at: 1, message: "row 3: bad", row: 3, reason: "bad" });
    expect(shown[MAX_ROW_ERRORS - 1]!.row).toBe(10 + 998);
    expect(shown.at(-1)).toEqual({ at: 3, message: "job failed" });
    expect(keepRowErrors(errors, [{ row: 9999, reason: "x" }], 4)).toBe(errors);
  });
});
