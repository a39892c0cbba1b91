import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { ALL_SERIES_NAMES, LABELS } from "./metric-names.ts";
import { buildSeriesQueries, buildStepQueries } from "./promql-queries.ts";
import { promDuration, quotePromql, type MetricsTarget } from "./promql-selector.ts";

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../test/goldens/promql");
const UPDATE = process.env.UPDATE_GOLDENS === "1";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const SCENARIOS: Record<string, { target: MetricsTarget; windowMs: number; resolutionS: number }> = {
  // One vLLM + one GPU box, Prometheus scraping both directly: no pod filter, every GPU.
  local: { target: { model: MODEL }, windowMs: 60_000, resolutionS: 1 },
  // Kubernetes: the target's pods by regex (pod or exported_pod), the GPU node by Hostname or hostname.
  cluster: { target: { model: MODEL, pod: "vllm-llama-.*", hostname: "gpu-node-1" }, windowMs: 45_500, resolutionS: 15 },
};

const kebab = (key: string) => key.replace(/([A-Z])/g, "-$1").toLowerCase();

function allQueries(): Array<{ file: string; query: string }> {
  const out: Array<{ file: string; query: string }> = [];
  for (const [scenario, { target, windowMs, resolutionS }] of Object.entries(SCENARIOS)) {
    for (const [key, query] of Object.entries(buildStepQueries(target, { windowMs, resolutionS }))) {
      out.push({ file: `${scenario}-step-${kebab(key)}.promql`, query });
    }
    for (const [key, query] of Object.entries(buildSeriesQueries(target))) {
      out.push({ file: `${scenario}-series-${kebab(key)}.promql`, query });
    }
  }
  return out;
}

const KNOWN_LABELS = new Set<string>([LABELS.modelName, ...LABELS.pod, ...LABELS.hostname]);

/** Error nodes, metric names and matcher label names of a query, from the lezer-promql parse tree. */
function inspect(query: string): { errors: string[]; metrics: string[]; labels: string[] } {
  const errors: string[] = [];
  const metrics: string[] = [];
  const labels: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      const text = query.slice(node.from, node.to);
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(query.slice(node.from, node.from + 20))}`);
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") metrics.push(text);
      if (node.name === "LabelName") labels.push(text);
    },
  });
  return { errors, metrics, labels };
}

describe("PromQL goldens", () => {
  for (const { file, query } of allQueries()) {
    it(file, () => {
      const path = join(GOLDEN_DIR, file);
      if (UPDATE) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(path, `${query}\n`);
      }
      expect(`${query}\n`, `golden ${file} (UPDATE_GOLDENS=1 to rewrite)`).toBe(readFileSync(path, "utf8"));
      const { errors, metrics, labels } = inspect(query);
      expect(errors, "lezer-promql error nodes").toEqual([]);
      expect(metrics.length).toBeGreaterThan(0);
      for (const m of metrics) expect(ALL_SERIES_NAMES.has(m), `${m} is not in metric-names.ts`).toBe(true);
      for (const l of labels) expect(KNOWN_LABELS.has(l), `label ${l}`).toBe(true);
    });
  }
});

describe("the checker itself", () => {
  it("sees parse errors and unknown names", () => {
    expect(inspect("max_over_time(foo[5m]").errors.length).toBeGreaterThan(0);
    expect(inspect('sum(vllm:num_requests_runing{model_name="m"})').metrics).toEqual(["vllm:num_requests_runing"]);
  });
});

describe("selector pieces", () => {
  it("quotes PromQL strings", () => {
    expect(quotePromql('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
  });
  it("formats windows in whole seconds when exact, else ms", () => {
    expect(promDuration(60_000)).toBe("60s");
    expect(promDuration(45_500)).toBe("45500ms");
    expect(promDuration(0)).toBe("1ms");
  });
  it("escapes the model name and keeps the pod regex as RE2", () => {
    const q = buildStepQueries({ model: 'we"ird', pod: "a\\.b" }, { windowMs: 1000, resolutionS: 1 });
    expect(q.runningMax).toContain('model_name="we\\"ird",pod=~"a\\\\.b"');
    expect(q.runningMax).toContain("exported_pod=~");
    expect(inspect(q.runningMax).errors).toEqual([]);
  });
});
