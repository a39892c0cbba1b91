/**
 * A parser for the Prometheus text exposition format 0.0.4 (what vLLM's prometheus_client, prom-client and
 * dcgm-exporter serve): `# HELP` / `# TYPE` lines, other comments ignored, samples
 * `name{label="value",…} value [timestamp_ms]` with label escapes `\\`, `\"`, `\n`, a trailing comma allowed,
 * values including NaN / +Inf / -Inf, histogram `_bucket{le=…}` / `_sum` / `_count` lines as plain samples.
 * No installed package parses the text format (prom-client only writes it), hence this one.
 * A line that does not parse is skipped and counted, never fatal: one odd exporter line must not lose a run.
 */

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Present only when the exposition carried one. */
  timestampMs?: number;
}

export interface Exposition {
  samples: ExpositionSample[];
  /** Metric family → type from `# TYPE`. */
  types: Map<string, string>;
  help: Map<string, string>;
  /** Lines that were neither comments nor valid samples. */
  invalidLines: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parseFloatText(text: string): number | null {
  switch (text) {
    case "+Inf":
    case "Inf":
      return Infinity;
    case "-Inf":
      return -Infinity;
    case "NaN":
      return NaN;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
  return Number(text);
}

const unescapeHelp = (s: string) => s.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));

/** Labels from just after `{`; returns the index after `}`, or -1 when malformed. */
function parseLabels(line: string, from: number, out: Record<string, string>): number {
  let i = from;
  for (;;) {
    while (line[i] === " ") i++;
    if (line[i] === "}") return i + 1;
    const name = LABEL_NAME.exec(line.slice(i))?.[0];
    if (!name) return -1;
    i += name.length;
    while (line[i] === " ") i++;
    if (line[i] !== "=") return -1;
    i++;
    while (line[i] === " ") i++;
    if (line[i] !== '"') return -1;
    i++;
    let value = "";
    for (;;) {
      const c = line[i];
      if (c === undefined) return -1;
      if (c === '"') break;
      if (c === "\\") {
        const next = line[i + 1];
        value += next === "n" ? "\n" : next === '"' ? '"' : next === "\\" ? "\\" : `\\${next ?? ""}`;
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    i++;
    out[name] = value;
    while (line[i] === " ") i++;
    if (line[i] === ",") i++;
    else if (line[i] !== "}") return -1;
  }
}

function parseSample(line: string): ExpositionSample | null {
  const name = NAME.exec(line)?.[0];
  if (!name) return null;
  const labels: Record<string, string> = {};
  let i = name.length;
  if (line[i] === "{") {
    i = parseLabels(line, i + 1, labels);
    if (i < 0) return null;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || line[i] === undefined || !/\s/.test(line[i]!)) return null;
  const value = parseFloatText(rest[0]!);
  if (value === null) return null;
  if (rest.length === 1) return { name, labels, value };
  const ts = rest[1]!;
  if (!/^-?\d+$/.test(ts)) return null;
  return { name, labels, value, timestampMs: Number(ts) };
}

export function parseExposition(text: string): Exposition {
  const result: Exposition = { samples: [], types: new Map(), help: new Map(), invalidLines: 0 };
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const m = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s(.*))?$/.exec(line);
      if (m?.[1] === "TYPE") result.types.set(m[2]!, (m[3] ?? "").trim());
      else if (m?.[1] === "HELP") result.help.set(m[2]!, unescapeHelp(m[3] ?? ""));
      continue;
    }
    const sample = parseSample(line);
    if (sample) result.samples.push(sample);
    else result.invalidLines++;
  }
  return result;
}
