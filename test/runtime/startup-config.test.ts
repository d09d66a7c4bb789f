import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestHub } from "../helpers/hub.ts";
import { mappingsWith } from "../helpers/mappings.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const edited = (file: string, edit: (json: Record<string, unknown>) => void) => {
  const dir = mappingsWith(file, edit);
  dirs.push(dir);
  return dir;
};

describe("the hub refuses to start on invalid scoring or matching settings", () => {
  it("names scoring.json and the field", async () => {
    const dir = edited("scoring.json", (json) => {
      (json.grades as Record<string, unknown>).B = 99;
    });
    await expect(startTestHub({ env: { TSUNAGU_MAPPINGS: dir } })).rejects.toThrow(
      `${join(dir, "scoring.json")}: grades.A: A must be above B`,
    );
  });

  it("names matching.json and the field", async () => {
    const dir = edited("matching.json", (json) => {
      (json.thresholds as Record<string, unknown>).review = 1.5;
    });
    await expect(startTestHub({ env: { TSUNAGU_MAPPINGS: dir } })).rejects.toThrow(
      `${join(dir, "matching.json")}: thresholds.review`,
    );
  });

  it("refuses a mapping that would read a computed score field in", async () => {
    const dir = edited("hubspot.contact.json", (json) => {
      const fields = json.fields as { canonical: string; direction?: string }[];
      fields.find((f) => f.canonical === "leadScore")!.direction = "both";
    });
    await expect(startTestHub({ env: { TSUNAGU_MAPPINGS: dir } })).rejects.toThrow(
      /hubspot\.contact\.json: fields\[\d+\]\.direction: leadScore, leadGrade, scoreSummary are computed by the hub/,
    );
  });
});
