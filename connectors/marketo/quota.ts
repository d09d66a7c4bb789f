/**
 * Marketo's daily API quota resets at midnight US Central time (America/Chicago, so 05:00 or
 * 06:00 UTC depending on daylight saving time).
 */

const CENTRAL = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/Chicago",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

function centralParts(ms: number): Record<string, number> {
  const parts: Record<string, number> = {};
  for (const p of CENTRAL.formatToParts(new Date(ms)))
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  return parts;
}

/** Central time minus UTC at this instant, in ms (-5 h or -6 h). */
function centralOffset(ms: number): number {
  const p = centralParts(ms);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The Central calendar day of an instant, e.g. "2026-11-23". */
export function centralDay(ms: number): string {
  const p = centralParts(ms);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

/** Epoch ms of the next midnight in America/Chicago after `now`. */
export function nextCentralMidnight(now: number): number {
  const p = centralParts(now);
  const localMidnight = Date.UTC(p.year!, p.month! - 1, p.day! + 1);
  // The offset at midnight itself can differ from now's (DST switches at 02:00, so one
  // correction pass settles it).
  const guess = localMidnight - centralOffset(localMidnight);
  return localMidnight - centralOffset(guess);
}
