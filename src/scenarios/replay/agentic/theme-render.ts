/**
 * Theme text, as inference-perf 0.7.0's synthetic_agentic_datagen.py renders it: every `{placeholder}` of a template
 * filled with a seeded value chosen by the field's name (a typed entity, a time, an HTTP status, a bounded percent,
 * a latency, a count, a number), one child stream per distinct field (`child_rng(seed, *path, idx)`), then the
 * numeric invariants repaired (in_use <= max, heap_used <= heap_max, p50 <= … <= p99). Pure.
 */
import { defaultRng, type NumpyGenerator } from "./numpy-generator.ts";
import { formatFields, formatMap, isDigit, pySplit } from "./py-format.ts";
import type { Theme } from "./theme.ts";

export type SeedPath = readonly number[];
export type Pinned = Readonly<Record<string, string>>;

/** `d.get(key)` on a plain record (never an inherited property). */
export function ownValue(d: Pinned, key: string): string | undefined {
  return Object.hasOwn(d, key) ? d[key] : undefined;
}

/** 0.7.0 `child_rng(parent_seed, *path)`. */
export function childRng(seed: bigint, ...path: number[]): NumpyGenerator {
  return defaultRng([seed, ...path]);
}

/** 0.7.0 `_pick`: one element, one draw. */
export function pick<T>(rng: NumpyGenerator, seq: readonly T[]): T {
  return seq[rng.integers(0, seq.length)]!;
}

const stripIndex = (field: string): string => field.toLowerCase().replace(/[0-9]+$/, "");

function isTimeField(field: string): boolean {
  const f = field.toLowerCase();
  return f.startsWith("t") && (f === "t" || f === "time" || /^[0-9]+$/.test(f.slice(1)) || f.includes("time") || f.endsWith("_t") || f.includes("_t"));
}
function isNumericField(field: string): boolean {
  const f = field.toLowerCase();
  if ([...f].some(isDigit)) return true;
  return ["n", "ms", "count", "wait"].some((tok) => f.includes(tok));
}
function isPercentField(field: string): boolean {
  const f = stripIndex(field);
  return ["pct", "percent", "ratio", "rate", "hit_ratio"].includes(f) || f.endsWith("_pct") || f.endsWith("_ratio");
}
function isLatencyMsField(field: string): boolean {
  const f = stripIndex(field);
  if (f.endsWith("_ms") || f.startsWith("ms")) return true;
  return ["p50", "p90", "p95", "p99", "p50_ms", "p99_ms", "latency", "latency_ms", "dur", "duration"].includes(f);
}
function isErrorPctField(field: string): boolean {
  const f = stripIndex(field);
  if (!f.includes("err")) return false;
  return f.endsWith("_pct") || f.endsWith("_rate") || ["err_rate", "err_pct", "error_rate"].includes(f);
}
function isCountField(field: string): boolean {
  const f = stripIndex(field);
  if (f.startsWith("count")) return true;
  return ["retries", "errors", "err", "rps", "req_per_sec", "spans", "in_use", "idle", "max", "healthy", "unhealthy"].includes(f);
}
const isStatusCodeField = (field: string): boolean => ["status", "status_code", "http_status"].includes(stripIndex(field));
const STATUS_CODES = [200, 200, 200, 301, 400, 404, 429, 500, 502, 503, 504];

const pad2 = (n: number): string => String(n).padStart(2, "0");
const oneDecimal = (tenths: number): string => (tenths / 10).toFixed(1);

function mixedEntityValue(theme: Theme, rng: NumpyGenerator): string {
  const pool = Object.values(theme.entities).flat();
  if (pool.length === 0) return `entity-${rng.integers(0, 999)}`;
  return pick(rng, pool);
}
export function typedEntityValue(theme: Theme, category: string, rng: NumpyGenerator): string {
  const vals = theme.entities[category] ?? [];
  return vals.length === 0 ? mixedEntityValue(theme, rng) : pick(rng, vals);
}

const parseNumber = (s: string): number | null => (/^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(s) ? Number(s) : null);
const formatLike = (template: string, n: number): string => (template.includes(".") ? n.toFixed(1) : String(Math.round(n)));

function clampLeBySuffix(values: Map<string, string>, lo: string, hi: string): void {
  for (const field of [...values.keys()]) {
    if (stripIndex(field) !== lo) continue;
    const hiField = hi + field.slice(lo.length);
    if (!values.has(hiField)) continue;
    const a = parseNumber(values.get(field)!);
    const b = parseNumber(values.get(hiField)!);
    if (a !== null && b !== null && a > b) values.set(field, formatLike(values.get(field)!, b));
  }
}

const RANKS = ["p50", "p90", "p95", "p99"];
function sortPercentilesBySuffix(values: Map<string, string>): void {
  const groups = new Map<string, [number, string][]>();
  for (const field of values.keys()) {
    const low = field.toLowerCase();
    const ri = RANKS.findIndex((r) => low.startsWith(r) && (low.length === r.length || !isDigit(low[r.length]!)));
    if (ri === -1) continue;
    const suffix = field.slice(RANKS[ri]!.length);
    groups.set(suffix, [...(groups.get(suffix) ?? []), [ri, field]]);
  }
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    members.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
    const nums = members.map(([, f]) => parseNumber(values.get(f)!));
    if (nums.some((n) => n === null)) continue;
    const ordered = (nums as number[]).slice().sort((a, b) => a - b);
    members.forEach(([, f], i) => values.set(f, formatLike(values.get(f)!, ordered[i]!)));
  }
}

/** 0.7.0 `_render_theme_template`. */
export function renderThemeTemplate(theme: Theme, tpl: string, seed: bigint, path: SeedPath, pinned: Pinned = {}): string {
  const values = new Map<string, string>();
  formatFields(tpl).forEach((field, idx) => {
    const rng = childRng(seed, ...path, idx);
    let v: string;
    if (field === "entity") v = ownValue(pinned, "entity") || mixedEntityValue(theme, rng);
    else if (Object.hasOwn(theme.entities, field)) v = ownValue(pinned, field) || typedEntityValue(theme, field, rng);
    else if (isTimeField(field)) v = `${pad2(rng.integers(0, 24))}:${pad2(rng.integers(0, 60))}:${pad2(rng.integers(0, 60))}`;
    else if (isStatusCodeField(field)) v = String(pick(rng, STATUS_CODES));
    else if (isErrorPctField(field)) v = oneDecimal(rng.integers(0, 151));
    else if (isPercentField(field)) v = oneDecimal(rng.integers(800, 1001));
    else if (isLatencyMsField(field)) v = String(rng.integers(1, 2001));
    else if (isCountField(field)) v = String(rng.integers(0, 501));
    else if (isNumericField(field)) v = String(rng.integers(0, 999));
    else v = mixedEntityValue(theme, rng);
    values.set(field, v);
  });
  clampLeBySuffix(values, "in_use", "max");
  clampLeBySuffix(values, "heap_used", "heap_max");
  sortPercentilesBySuffix(values);
  return formatMap(tpl, values) ?? tpl;
}

/** 0.7.0 `_render_tool_result`: the tool's own template, else "default". */
export function renderToolResult(theme: Theme, callName: string, seed: bigint, path: SeedPath, pinned: Pinned): string {
  const tpl = ownValue(theme.result_templates, callName) ?? ownValue(theme.result_templates, "default") ?? "result: {entity} {n0} {t0}";
  return renderThemeTemplate(theme, tpl, seed, path, pinned) || "result";
}

/** 0.7.0 `_render_intro_doc`: "" when the theme has no intro documents. */
export function renderIntroDoc(theme: Theme, seed: bigint, path: SeedPath, pinned: Pinned): string {
  const templates = theme.intro_doc_templates;
  if (templates.length === 0) return "";
  const tpl = templates[childRng(seed, ...path).integers(0, templates.length)]!;
  return renderThemeTemplate(theme, tpl, seed, [...path, 1], pinned);
}

/** 0.7.0 `_render_word_pool`: 24 rendered snippets, split into words; null without templates. */
export function renderWordPool(theme: Theme, templates: readonly string[], seed: bigint, path: SeedPath): string[] | null {
  if (templates.length === 0) return null;
  const words: string[] = [];
  for (let i = 0; i < 24; i++) words.push(...pySplit(renderThemeTemplate(theme, templates[i % templates.length]!, seed, [...path, i])));
  return words.length > 0 ? words : null;
}

/** Theme filler (`theme_filler_words`) and payload (`theme_payload_words`, falling back to filler) word pools. */
export function themeFillerWords(theme: Theme, seed: bigint, path: SeedPath): string[] | null {
  return renderWordPool(theme, theme.filler_templates, seed, path);
}
export function themePayloadWords(theme: Theme, seed: bigint, path: SeedPath): string[] | null {
  return renderWordPool(theme, theme.payload_templates, seed, path) ?? themeFillerWords(theme, seed, path);
}
