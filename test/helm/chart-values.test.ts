/**
 * The chart's copies agree with their sources (no helm needed): each scenario's values (values.yaml and
 * values-<name>.yaml) are benchmarks/scenarios/<name>.yaml without server, tokenizer and storage; values.schema.json is
 * what values-schema.ts builds from the engine's zod schemas; the sample trace is the repository's; appVersion is
 * package.json's version.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SHIPPED_SCENARIOS, valuesSchemaText } from "./values-schema.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const CHART = join(REPO, "charts/kneepoint");
const read = (path: string) => readFileSync(join(REPO, path), "utf8");
const yaml = (path: string) => parse(read(path)) as Record<string, any>;

/** A shipped scenario file as the chart carries it: the target's blocks out, trace files in /workspace. */
function asChartValues(config: Record<string, any>): Record<string, unknown> {
  const { server: _s, tokenizer: _t, storage: _st, ...rest } = structuredClone(config);
  for (const block of [rest.data, rest.load]) {
    if (block?.trace?.file) block.trace.file = `/workspace/${basename(block.trace.file as string)}`;
  }
  return rest;
}

describe("the chart's values and files agree with the repository", () => {
  it("ships exactly the scenarios of benchmarks/scenarios/", () => {
    const files = readdirSync(join(REPO, "benchmarks/scenarios")).filter((f) => f.endsWith(".yaml")).map((f) => f.replace(/\.yaml$/, ""));
    expect([...SHIPPED_SCENARIOS].sort()).toEqual(files.sort());
    expect(Object.keys(yaml("charts/kneepoint/values.yaml").benchmark.scenarios)).toEqual([...SHIPPED_SCENARIOS]);
    expect(readdirSync(CHART).filter((f) => /^values-.*\.yaml$/.test(f)).sort()).toEqual(SHIPPED_SCENARIOS.map((s) => `values-${s}.yaml`).sort());
  });

  for (const name of SHIPPED_SCENARIOS) {
    it(`${name}: values.yaml and values-${name}.yaml hold benchmarks/scenarios/${name}.yaml's config`, () => {
      const expected = asChartValues(yaml(`benchmarks/scenarios/${name}.yaml`));
      expect(yaml("charts/kneepoint/values.yaml").benchmark.scenarios[name]).toEqual(expected);
      const own = yaml(`charts/kneepoint/values-${name}.yaml`);
      expect(own.benchmark.scenario).toBe(name);
      expect(own.benchmark.scenarios).toEqual({ [name]: expected });
    });
  }

  it("values.schema.json is values-schema.ts's build from the engine's config schema (UPDATE_GOLDENS=1 rewrites it)", () => {
    const path = join(CHART, "values.schema.json");
    const text = valuesSchemaText();
    if (process.env.UPDATE_GOLDENS === "1") writeFileSync(path, text);
    expect(readFileSync(path, "utf8")).toBe(text);
  });

  it("the sample trace in files/ is benchmarks/traces/'s, and appVersion is package.json's version", () => {
    expect(read("charts/kneepoint/files/azure-llm-inference-sample.csv")).toBe(read("benchmarks/traces/azure-llm-inference-sample.csv"));
    expect(yaml("charts/kneepoint/Chart.yaml").appVersion).toBe(JSON.parse(read("package.json")).version);
  });
});
