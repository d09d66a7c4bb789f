/**
 * The lead field catalogue of the simulated instance (what `GET /rest/v1/leads/describe.json`
 * answers) and how written values are checked and stored. REST names and display names are
 * Marketo's; the numeric field ids are stand-ins (real instances differ): never branch on them.
 */

export type StoredValue = string | number | boolean | null;

export type MarketoDataType =
  | "string"
  | "email"
  | "phone"
  | "text"
  | "url"
  | "boolean"
  | "integer"
  | "float"
  | "datetime";

export interface LeadField {
  id: number;
  /** REST API name, e.g. "firstName". */
  name: string;
  displayName: string;
  /** SOAP API name, e.g. "FirstName". */
  soapName: string;
  dataType: MarketoDataType;
  length?: number;
  readOnly?: boolean;
}

const field = (
  id: number,
  name: string,
  displayName: string,
  dataType: MarketoDataType,
  extra: Partial<LeadField> = {},
): LeadField => ({
  id,
  name,
  displayName,
  soapName: name.charAt(0).toUpperCase() + name.slice(1),
  dataType,
  ...(dataType === "string" || dataType === "email" || dataType === "phone" ? { length: 255 } : {}),
  ...extra,
});

export const STANDARD_FIELDS: readonly LeadField[] = [
  field(1, "id", "Id", "integer", { readOnly: true, soapName: "Id" }),
  field(2, "email", "Email Address", "email"),
  field(3, "firstName", "First Name", "string"),
  field(4, "lastName", "Last Name", "string"),
  field(5, "company", "Company Name", "string"),
  field(6, "title", "Job Title", "string"),
  field(7, "phone", "Phone Number", "phone"),
  field(8, "mobilePhone", "Mobile Phone Number", "phone"),
  field(9, "city", "City", "string"),
  field(10, "state", "State", "string"),
  field(11, "country", "Country", "string"),
  field(12, "postalCode", "Postal Code", "string"),
  field(13, "website", "Website", "url"),
  field(14, "leadSource", "Person Source", "string"),
  field(15, "leadStatus", "Lead Status", "string"),
  field(16, "unsubscribed", "Unsubscribed", "boolean"),
  field(17, "unsubscribedReason", "Unsubscribed Reason", "text"),
  field(18, "emailInvalid", "Email Invalid", "boolean"),
  field(19, "emailInvalidCause", "Email Invalid Cause", "string"),
  field(20, "marketingSuspended", "Marketing Suspended", "boolean"),
  field(21, "leadScore", "Lead Score", "integer"),
  field(22, "createdAt", "Created At", "datetime", { readOnly: true }),
  field(23, "updatedAt", "Updated At", "datetime", { readOnly: true }),
];

/** Custom fields an admin created for tsunagu (the hub writes its scores here). */
export const CUSTOM_FIELDS: readonly LeadField[] = [
  field(1001, "tsunaguScore", "Tsunagu Score", "integer", { soapName: "tsunaguScore" }),
  field(1002, "tsunaguGrade", "Tsunagu Grade", "string", { soapName: "tsunaguGrade" }),
  field(1003, "tsunaguScoreReasons", "Tsunagu Score Reasons", "text", {
    soapName: "tsunaguScoreReasons",
  }),
];

export class FieldCatalogue {
  private readonly byName = new Map<string, LeadField>();

  constructor(extra: LeadField[] = []) {
    for (const f of [...STANDARD_FIELDS, ...CUSTOM_FIELDS, ...extra]) this.byName.set(f.name, f);
  }

  get(name: string): LeadField | undefined {
    return this.byName.get(name);
  }

  all(): LeadField[] {
    return [...this.byName.values()];
  }

  describe(): Record<string, unknown>[] {
    return this.all().map((f) => ({
      id: f.id,
      displayName: f.displayName,
      dataType: f.dataType,
      ...(f.length ? { length: f.length } : {}),
      rest: { name: f.name, readOnly: f.readOnly ?? false },
      soap: { name: f.soapName, readOnly: f.readOnly ?? false },
    }));
  }
}

export type Coerced = { ok: true; value: StoredValue } | { ok: false; message: string };

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

/** A written value as the instance stores it, or why it is refused (reason 1003). */
export function coerce(f: LeadField, raw: unknown): Coerced {
  const bad = {
    ok: false as const,
    message: `Invalid value '${String(raw)}' for field '${f.name}'`,
  };
  if (raw === null || raw === "") return { ok: true, value: null };
  switch (f.dataType) {
    case "boolean":
      if (typeof raw === "boolean") return { ok: true, value: raw };
      if (raw === "true" || raw === "1" || raw === 1) return { ok: true, value: true };
      if (raw === "false" || raw === "0" || raw === 0) return { ok: true, value: false };
      return bad;
    case "integer": {
      const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
      return typeof n === "number" && Number.isInteger(n) ? { ok: true, value: n } : bad;
    }
    case "float": {
      const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
      return typeof n === "number" && Number.isFinite(n) ? { ok: true, value: n } : bad;
    }
    case "datetime": {
      const ms = typeof raw === "string" ? Date.parse(raw) : Number.NaN;
      return Number.isNaN(ms) ? bad : { ok: true, value: formatDatetime(ms) };
    }
    default: {
      if (typeof raw !== "string" && typeof raw !== "number") return bad;
      const text = String(raw);
      if (f.length && text.length > f.length)
        return { ok: false, message: `Value for field '${f.name}' exceeds ${f.length} characters` };
      if (f.dataType === "email" && !EMAIL.test(text)) return bad;
      return { ok: true, value: text };
    }
  }
}

/** Marketo datetimes have whole seconds: 2024-05-01T12:34:56Z. */
export function formatDatetime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
