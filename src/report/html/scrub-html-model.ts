/**
 * Secrets out of a report model before it is rendered: every string in it (texts, cells, context values and
 * the strings inside the charts' specs and data) has each secret value replaced, as redact.ts's scrubSecrets
 * does for the terminal and the other reports. Pure: returns a new model.
 */
import { scrubSecrets } from "../../redact.ts";
import type { HtmlReportModel } from "./html-report-model.ts";

function scrubValue(value: unknown, secrets: Array<string | undefined>): unknown {
  if (typeof value === "string") return scrubSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, secrets)]));
  }
  return value;
}

export function scrubHtmlModel(model: HtmlReportModel, secrets: Array<string | undefined>): HtmlReportModel {
  if (!secrets.some((s) => s && s.length >= 4)) return model;
  return scrubValue(model, secrets) as HtmlReportModel;
}
