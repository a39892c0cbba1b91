/**
 * The task-level text of a synthetic_agentic session, as inference-perf 0.7.0 renders it: the advertised tool
 * catalog, a tool call's schema-conforming arguments, the objective, follow-ups (with the connective casing fix),
 * the compaction recap and the session's pinned subject. Every draw comes from the given child stream. Pure.
 */
import type { NumpyGenerator } from "./numpy-generator.ts";
import { formatMap, isAlpha, isDigit, isSpace, isUpper, pySplit } from "./py-format.ts";
import { childRng, ownValue, pick, typedEntityValue, type Pinned, type SeedPath } from "./theme-render.ts";
import type { Theme } from "./theme.ts";

export interface ToolDefinition {
  name: string;
  description: string;
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

const FALLBACK_TOOL_PARAMS = {
  type: "object",
  properties: { query: { type: "string", description: "Free-text query for the operation." } },
  required: ["query"],
};

/** 0.7.0 `_tool_definitions(theme, n)`: the theme's tools cycled, duplicates suffixed `_<i>`. */
export function toolDefinitions(theme: Theme, n: number): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  const names = theme.tool_names;
  for (let i = 0; i < n; i++) {
    const base = names[i % names.length]!;
    const name = base + (i < names.length ? "" : `_${i}`);
    const desc = ownValue(theme.tool_descriptions, base) || `Perform the ${base} operation and return its result.`;
    const params = (Object.hasOwn(theme.tool_parameters, base) && theme.tool_parameters[base]) || FALLBACK_TOOL_PARAMS;
    out.push({ name, description: desc, type: "function", function: { name, description: desc, parameters: params } });
  }
  return out;
}

const PAYLOAD_ARG_NAMES = new Set(["content", "code", "patch", "diff", "body", "new_string", "old_string", "text", "snippet"]);
const DEFAULT_PAYLOAD_WORDS = 48;

/** 0.7.0 `_cycled_words`. */
export function cycledWords(words: readonly string[], count: number, start = 0): string[] {
  const n = words.length;
  if (n === 0) return [];
  const out: string[] = [];
  for (let i = 0; i < Math.max(0, count); i++) out.push(words[(start + i) % n]!);
  return out;
}

/** 0.7.0 `_render_tool_arguments`: every required property of the schema, filled by type and name. */
export function renderToolArguments(
  params: Record<string, unknown>,
  theme: Theme,
  seed: bigint,
  path: SeedPath,
  pinned: Pinned,
  wordPool: readonly string[] | null,
  payloadPool: readonly string[] | null,
): Record<string, unknown> {
  const props = (params.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = Array.isArray(params.required) ? (params.required as string[]) : [];
  const args: Record<string, unknown> = {};
  required.forEach((prop, idx) => {
    const spec = (Object.hasOwn(props, prop) ? props[prop] : {}) ?? {};
    const ptype = (spec.type as string | undefined) ?? "string";
    const rng = childRng(seed, ...path, idx);
    const en = spec.enum as unknown[] | undefined;
    const pool = payloadPool?.length ? payloadPool : wordPool?.length ? wordPool : null;
    if (en && en.length > 0) args[prop] = en[rng.integers(0, en.length)];
    else if (Object.hasOwn(pinned, prop)) args[prop] = pinned[prop];
    else if (Object.hasOwn(theme.entities, prop)) args[prop] = typedEntityValue(theme, prop, rng);
    else if (ptype === "integer" || ptype === "number") args[prop] = rng.integers(0, 999);
    else if (ptype === "boolean") args[prop] = rng.integers(0, 2) !== 0;
    else if (PAYLOAD_ARG_NAMES.has(prop.toLowerCase().replace(/[0-9]+$/, "")) && pool) {
      const nWords = Math.max(1, Math.trunc(Number(spec["x-payload-tokens"] ?? DEFAULT_PAYLOAD_WORDS)));
      const start = rng.integers(0, Math.max(1, pool.length));
      args[prop] = cycledWords(pool, nWords, start).join(" ");
    } else args[prop] = `${prop}-${rng.integers(0, 999)}`;
  });
  return args;
}

/** 0.7.0 `_entity_subs`: a verb, then each entity category (pinned ones without a draw). */
function entitySubs(theme: Theme, rng: NumpyGenerator, pinned: Pinned): Record<string, string> {
  const subs: Record<string, string> = { verb: pick(rng, theme.verbs) };
  for (const [key, vals] of Object.entries(theme.entities)) if (vals.length > 0) subs[key] = ownValue(pinned, key) || pick(rng, vals);
  return subs;
}

/** 0.7.0 `_render_objective`. */
export function renderObjective(theme: Theme, rng: NumpyGenerator, pinned: Pinned): string {
  const subs = entitySubs(theme, rng, pinned);
  return formatMap(theme.objective_template, subs) ?? `${subs.verb}: complete the task.`;
}

/** 0.7.0 `_render_followup`. */
export function renderFollowup(theme: Theme, objective: string, rng: NumpyGenerator, pinned: Pinned): string {
  const connective = theme.followup_connectives.length > 0 ? pick(rng, theme.followup_connectives) : "";
  if (theme.followup_templates.length === 0) return connective + objective;
  const tpl = pick(rng, theme.followup_templates);
  const subs: Record<string, string> = {};
  for (const [key, vals] of Object.entries(theme.entities)) if (vals.length > 0) subs[key] = ownValue(pinned, key) || pick(rng, vals);
  const rendered = formatMap(tpl, subs);
  if (rendered === null) return connective + objective;
  return connective + joinConnectiveCase(connective, rendered, theme);
}

/** 0.7.0 `_join_connective_case`: lower-case the follow-up's first letter after a mid-sentence connective. */
function joinConnectiveCase(connective: string, rendered: string, theme: Theme): string {
  if (!connective || !rendered || !connective.endsWith(" ")) return rendered;
  const first = pySplit(rendered)[0] ?? "";
  const entityPool = new Set(Object.values(theme.entities).flat().filter((v) => v));
  const isEntity = entityPool.has(first) || [...entityPool].some((v) => rendered.startsWith(v));
  if ([...first].some(isDigit) || isUpper(first) || isEntity) return rendered;
  const chars = [...rendered];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (isAlpha(ch)) return chars.slice(0, i).join("") + ch.toLowerCase() + chars.slice(i + 1).join("");
    if (!isSpace(ch)) return rendered;
  }
  return rendered;
}

/** 0.7.0 `_render_compaction_summary`: "" when the theme has no template. */
export function renderCompactionSummary(theme: Theme, tools: readonly ToolDefinition[], rng: NumpyGenerator, pinned: Pinned): string {
  if (!theme.compaction_summary_template) return "";
  const subs = entitySubs(theme, rng, pinned);
  const names = tools.map((t) => t.name).filter((n) => n);
  ["tool_a", "tool_b", "tool_c"].forEach((slot, i) => (subs[slot] = names[i] ?? names[names.length - 1] ?? "the tools"));
  return formatMap(theme.compaction_summary_template, subs) ?? "";
}

/** The session's subject: one value per entity category (seed path 63), the primary ones (62) winning. */
export function sessionPins(theme: Theme, seed: bigint): Record<string, string> {
  const focus: Record<string, string> = {};
  const focusRng = childRng(seed, 63);
  for (const [cat, vals] of Object.entries(theme.entities)) if (vals.length > 0) focus[cat] = pick(focusRng, vals);
  const primary: Record<string, string> = {};
  const primaryRng = childRng(seed, 62);
  for (const cat of ["service", "db_instance", "symptom", "region"]) {
    const vals = Object.hasOwn(theme.entities, cat) ? theme.entities[cat]! : [];
    if (vals.length > 0) primary[cat] = pick(primaryRng, vals);
  }
  return { ...focus, ...primary };
}
