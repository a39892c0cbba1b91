/**
 * Label selectors as the API server reads them: the `labelSelector` query string
 * (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and the LabelSelector object of Deployments, Jobs and affinity
 * terms (matchLabels + matchExpressions In/NotIn/Exists/DoesNotExist).
 */
import { badRequest } from "./api-status.ts";

export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export type Labels = Record<string, string> | undefined;

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of selector) {
    if (c === "(") depth += 1;
    if (c === ")") depth -= 1;
    if (c === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else current += c;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== "");
}

const KEY = String.raw`[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);

/** Parses a `labelSelector` query value; a malformed one is the server's 400. */
export function parseLabelSelector(selector: string): Requirement[] {
  return splitTerms(selector).map((term) => {
    const eq = EQUALITY.exec(term);
    if (eq) return { key: eq[1]!, op: eq[3] === "!=" ? "!=" : "=", value: eq[4] ?? "" };
    const set = SET.exec(term);
    if (set) {
      const values = set[4]!.split(",").map((v) => v.trim()).filter((v) => v !== "");
      return { key: set[1]!, op: set[3] as "in" | "notin", values };
    }
    const exists = EXISTS.exec(term);
    if (exists) return { key: exists[2]!, op: exists[1] === "!" ? "!exists" : "exists" };
    throw badRequest(`unable to parse requirement: found '${term}', expected: key, '=', '==', '!=', 'in', 'notin' or '!'`);
  });
}

export function matchesRequirements(labels: Labels, requirements: readonly Requirement[]): boolean {
  const l = labels ?? {};
  return requirements.every((req) => {
    const has = Object.hasOwn(l, req.key);
    switch (req.op) {
      case "=":
        return has && l[req.key] === req.value;
      case "!=":
        return !has || l[req.key] !== req.value;
      case "in":
        return has && req.values.includes(l[req.key]!);
      case "notin":
        return !has || !req.values.includes(l[req.key]!);
      case "exists":
        return has;
      case "!exists":
        return !has;
    }
  });
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A LabelSelector object as requirements. An empty selector matches everything, as in the API. */
export function selectorRequirements(selector: LabelSelectorObject | undefined): Requirement[] {
  const reqs: Requirement[] = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => ({ key, op: "=", value }));
  for (const e of selector?.matchExpressions ?? []) {
    if (e.operator === "In") reqs.push({ key: e.key, op: "in", values: e.values ?? [] });
    else if (e.operator === "NotIn") reqs.push({ key: e.key, op: "notin", values: e.values ?? [] });
    else if (e.operator === "Exists") reqs.push({ key: e.key, op: "exists" });
    else if (e.operator === "DoesNotExist") reqs.push({ key: e.key, op: "!exists" });
  }
  return reqs;
}

export function matchesSelector(labels: Labels, selector: LabelSelectorObject | undefined): boolean {
  return matchesRequirements(labels, selectorRequirements(selector));
}
