/**
 * Marketing data of the simulator: marketing-email events (the legacy email events API, keyed
 * by recipient address, not by contact) and forms with their submissions.
 * Docs: https://developers.hubspot.com/docs/api-reference/legacy/email-analytics-v1/guide,
 * .../legacy/marketing/forms/v1/get-form-integrations-v1-submissions-forms-form_guid
 */

export const EMAIL_EVENT_TYPES = [
  "SENT",
  "DROPPED",
  "PROCESSED",
  "DELIVERED",
  "DEFERRED",
  "BOUNCE",
  "OPEN",
  "CLICK",
  "STATUSCHANGE",
  "SPAMREPORT",
  "SUPPRESSED",
  "PRINT",
  "FORWARD",
] as const;
export type EmailEventType = (typeof EMAIL_EVENT_TYPES)[number];

export interface StoredEmailEvent {
  id: string;
  created: number;
  type: EmailEventType;
  recipient: string;
  emailCampaignId: number;
  /** Any further fields of the event (url for CLICK, category/response for BOUNCE, ...). */
  extra: Record<string, unknown>;
}

export interface StoredForm {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

export interface StoredSubmission {
  conversionId: string;
  submittedAt: number;
  values: Array<{ name: string; value: string }>;
  pageUrl?: string;
}

export class MarketingStore {
  private readonly events: StoredEmailEvent[] = [];
  private readonly forms = new Map<string, StoredForm>();
  private readonly submissions = new Map<string, StoredSubmission[]>();
  private nextCampaignId = 310_000_001;

  constructor(private readonly tick: () => number) {}

  addEmailEvent(
    recipient: string,
    type: EmailEventType,
    props: Record<string, unknown> = {},
  ): StoredEmailEvent {
    const { created, emailCampaignId, id, ...extra } = props;
    const event: StoredEmailEvent = {
      id: typeof id === "string" && id ? id : crypto.randomUUID(),
      created: typeof created === "number" ? created : this.tick(),
      type,
      recipient,
      emailCampaignId:
        typeof emailCampaignId === "number" ? emailCampaignId : this.nextCampaignId++,
      extra,
    };
    this.events.push(event);
    return event;
  }

  /** Newest first (created, then id, descending): the order the simulator pages in. */
  emailEvents(): StoredEmailEvent[] {
    return [...this.events].sort((a, b) =>
      a.created !== b.created ? b.created - a.created : a.id < b.id ? 1 : a.id > b.id ? -1 : 0,
    );
  }

  createForm(name: string): StoredForm {
    const at = this.tick();
    const form: StoredForm = { id: crypto.randomUUID(), name, createdAt: at, updatedAt: at };
    this.forms.set(form.id, form);
    this.submissions.set(form.id, []);
    return form;
  }

  allForms(): StoredForm[] {
    return [...this.forms.values()];
  }

  form(id: string): StoredForm | undefined {
    return this.forms.get(id);
  }

  submit(
    formId: string,
    values: Record<string, string>,
    pageUrl?: string,
    submittedAt?: number,
  ): StoredSubmission | undefined {
    const list = this.submissions.get(formId);
    if (!list) return undefined;
    const submission: StoredSubmission = {
      conversionId: crypto.randomUUID(),
      submittedAt: submittedAt ?? this.tick(),
      values: Object.entries(values).map(([name, value]) => ({ name, value })),
      ...(pageUrl ? { pageUrl } : {}),
    };
    list.push(submission);
    return submission;
  }

  /** Reverse-chronological, as the real endpoint documents. */
  submissionsOf(formId: string): StoredSubmission[] | undefined {
    const list = this.submissions.get(formId);
    if (!list) return undefined;
    return [...list].sort((a, b) =>
      a.submittedAt !== b.submittedAt
        ? b.submittedAt - a.submittedAt
        : a.conversionId < b.conversionId
          ? 1
          : a.conversionId > b.conversionId
            ? -1
            : 0,
    );
  }
}
