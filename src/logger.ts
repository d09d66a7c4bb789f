/**
 * JSON-lines logger. Callers pass counts, ids and codes only: never field values, emails,
 * tokens or request bodies (personal data and secrets stay out of logs by construction).
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;
export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function createLogger(
  options: { silent?: boolean; write?: (line: string) => void } = {},
): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log =
    (level: string) =>
    (msg: string, fields: LogFields = {}) => {
      if (!options.silent)
        write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }));
    };
  return { info: log("info"), warn: log("warn"), error: log("error") };
}

/** The one way an error reaches a log: its class and message, never a body or a stack of data. */
export const describeError = (error: unknown): string =>
  error instanceof Error
    ? `${error.name}: ${error.message}`.slice(0, 500)
    : String(error).slice(0, 500);
