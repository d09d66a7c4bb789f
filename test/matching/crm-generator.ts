import { mulberry32 } from "../../src/core/matching/estimate.ts";
import type { MatchRecord } from "../../src/core/matching/index.ts";

/**
 * A deterministic CRM-like data set: people copied across "systems" (hubspot, salesforce,
 * marketo) with the usual damage: typos, nicknames, case and format changes in emails and
 * phones, gmail dots and +tags, changed (new job) emails, blanks, company suffix variants.
 */
const FIRST = (
  "william robert elizabeth richard james john michael thomas joseph charles christopher " +
  "daniel matthew anthony andrew edward benjamin samuel alexander nicholas steven timothy " +
  "patrick peter david joshua margaret katherine jennifer jessica rebecca susan deborah " +
  "patricia victoria abigail isabella olivia christine jacqueline kimberly barbara eleanor " +
  "emma sophia mia charlotte amelia harper evelyn ava chloe grace lily hannah zoe nora aria " +
  "liam noah ethan lucas mason logan oliver elijah aiden carter owen wyatt jack luke gabriel " +
  "isaac dylan caleb ryan nathan adrian hunter eli aaron connor jordan yuki haruto sakura " +
  "mei wei arjun priya rahul fatima omar layla mateo sofia diego lucia"
).split(" ");
const NICK: Record<string, string> = {
  william: "bill",
  robert: "bob",
  elizabeth: "liz",
  richard: "rick",
  james: "jim",
  john: "jack",
  michael: "mike",
  thomas: "tom",
  joseph: "joe",
  charles: "charlie",
  christopher: "chris",
  daniel: "dan",
  matthew: "matt",
  anthony: "tony",
  andrew: "andy",
  edward: "ted",
  benjamin: "ben",
  samuel: "sam",
  alexander: "alex",
  nicholas: "nick",
  steven: "steve",
  timothy: "tim",
  patrick: "pat",
  peter: "pete",
  david: "dave",
  joshua: "josh",
  margaret: "peggy",
  katherine: "kate",
  jennifer: "jen",
  jessica: "jess",
  rebecca: "becky",
  susan: "sue",
  deborah: "debbie",
  patricia: "trish",
  victoria: "vicky",
  abigail: "abby",
  isabella: "bella",
  olivia: "liv",
  christine: "tina",
  jacqueline: "jackie",
  kimberly: "kim",
  barbara: "barb",
  eleanor: "ellie",
};
const SUR_A =
  "ander bar cal dal el fair gold har kel lang mar nor or pem ross stan thorn val wes yor brock cun ash whit".split(
    " ",
  );
const SUR_B = "son ton ley field well wood man berg ford ridge worth by stone ham croft ing".split(
  " ",
);
const COMMON_SUR =
  "smith johnson williams brown jones garcia miller davis wilson taylor tanaka sato nguyen kim patel".split(
    " ",
  );
const COMPANY_A =
  "acme globex initech umbrella stark wayne hooli vandelay soylent tyrell cyberdyne wonka oscorp pied dunder nakatomi".split(
    " ",
  );
const COMPANY_B = "systems labs partners logistics foods media health energy".split(" ");
const SUFFIX = ["Inc", "Inc.", "LLC", "Ltd", "Corp", "Co., Ltd.", "GmbH", "K.K.", ""];
const CITIES =
  "springfield riverside franklin greenville bristol clinton fairview salem madison georgetown arlington ashland dover oxford milton".split(
    " ",
  );
const FREE = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com"];

export interface CrmSet {
  records: MatchRecord[];
  /** Record id -> person id (the ground truth). */
  person: Map<string, string>;
}

export function generateCrm(people: number, seed = 7): CrmSet {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join("");
  const typo = (s: string) => {
    if (s.length < 4) return s;
    const i = 1 + Math.floor(rnd() * (s.length - 2));
    const op = rnd();
    if (op < 0.33) return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
    if (op < 0.66) return s.slice(0, i) + s.slice(i + 1);
    return s.slice(0, i) + pick("aeiourstnl".split("")) + s.slice(i + 1);
  };
  const used = new Set<string>();
  /** Email addresses belong to one person: a taken address gets a number. */
  const unique = (local: string, domain: string) => {
    let address = `${local}@${domain}`;
    for (let n = 2; used.has(address); n++) address = `${local}${n}@${domain}`;
    used.add(address);
    return address;
  };
  const records: MatchRecord[] = [];
  const person = new Map<string, string>();
  for (let p = 0; p < people; p++) {
    const first = pick(FIRST);
    const last = chance(0.25) ? pick(COMMON_SUR) : pick(SUR_A) + pick(SUR_B);
    const companyBase = `${pick(COMPANY_A)} ${pick(COMPANY_B)}`;
    const companyDomain = `${companyBase.replace(" ", "")}.com`;
    const personal = chance(0.5);
    const domain = personal ? pick(FREE) : companyDomain;
    const local = chance(0.5)
      ? `${first}.${last}`
      : `${first[0]}${last}${chance(0.5) ? digits(2) : ""}`;
    const area = `${2 + Math.floor(rnd() * 8)}${digits(2)}`;
    const phone = `${area}${2 + Math.floor(rnd() * 8)}${digits(6)}`;
    const city = pick(CITIES);
    const zip = `${1 + Math.floor(rnd() * 9)}${digits(4)}`;
    const street = `${1 + Math.floor(rnd() * 999)} ${pick(SUR_A)}${pick(["", "wood", "field"])} ${pick(["st", "ave", "road", "lane"])}`;
    const birth = chance(0.4)
      ? `19${5 + Math.floor(rnd() * 5)}${digits(1)}-0${1 + Math.floor(rnd() * 9)}-1${digits(1)}`
      : null;
    const copies = chance(0.45) ? 1 : chance(0.7) ? 2 : 3;
    const primary = unique(local, domain);
    const changed = unique(`${first}.${last}`, pick(FREE));
    for (let k = 0; k < copies; k++) {
      const dirty = k > 0;
      let fn = first;
      if (dirty && NICK[first] && chance(0.35)) fn = NICK[first]!;
      else if (dirty && chance(0.15)) fn = typo(fn);
      let ln = dirty && chance(0.15) ? typo(last) : last;
      fn = dirty && chance(0.2) ? fn.toUpperCase() : cap(fn);
      ln = dirty && chance(0.2) ? ln.toUpperCase() : cap(ln);
      let email: string | null = primary;
      if (dirty) {
        if (chance(0.3)) email = changed; // changed / other address
        if (email.endsWith("gmail.com") && chance(0.5))
          email = `${email.split("@")[0]!.replace(".", "")}+${pick(["news", "crm", "work"])}@${chance(0.3) ? "googlemail.com" : "gmail.com"}`;
        if (chance(0.3)) email = email.toUpperCase();
        if (chance(0.1)) email = null;
      }
      const formats = [
        `(${phone.slice(0, 3)}) ${phone.slice(3, 6)}-${phone.slice(6)}`,
        `+1 ${phone.slice(0, 3)}.${phone.slice(3, 6)}.${phone.slice(6)}`,
        phone,
        `1-${phone.slice(0, 3)}-${phone.slice(3, 6)}-${phone.slice(6)}`,
      ];
      const ph = dirty && chance(0.35) ? null : pick(formats);
      const swap = chance(0.3);
      const id = `${["hubspot", "salesforce", "marketo"][k]}-${p}`;
      person.set(id, `p${p}`);
      records.push({
        id,
        fields: {
          firstName: fn,
          lastName: ln,
          email,
          phone: swap ? null : ph,
          mobilePhone: swap ? ph : null,
          company: dirty && chance(0.2) ? null : `${cap(companyBase)} ${pick(SUFFIX)}`.trim(),
          city: dirty && chance(0.3) ? null : cap(city),
          postalCode: dirty && chance(0.3) ? null : zip,
          street: dirty && chance(0.4) ? null : street,
          birthDate: dirty && chance(0.5) ? null : birth,
        },
      });
    }
  }
  return { records, person };
}
