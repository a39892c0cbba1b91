/** Turns zod issues into one `UsageError` whose lines read `--flag-name: message` (the flag users type). */
import type { z } from "zod";
import { UsageError } from "../errors.ts";

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

export function camel(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function usageErrorFromZod(error: z.ZodError, source: string, hint: string): UsageError {
  const lines = error.issues.map((issue) => {
    const [head, ...rest] = issue.path.map(String);
    const where = head === undefined ? "(config)" : `--${kebab(head)}${rest.length ? "." + rest.join(".") : ""}`;
    if (issue.code === "unrecognized_keys") {
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${kebab(k)}'`).join(", ")}`;
    }
    return `${where}: ${issue.message}`;
  });
  return new UsageError(`invalid ${source}: ${lines.join("; ")}`, hint);
}
