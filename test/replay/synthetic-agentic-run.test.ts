/**
 * `kneepoint run -c` on inference-perf 0.7.0's two synthetic_agentic example configs, as shipped but for the target,
 * model, tokenizer and report directory: the dry run previews the sessions, a real run against the simulator (behind
 * a recording proxy) sends every call in order and reports every session. Counts hand-derived from the configs:
 * single_agent_smoke — 5 sessions × (principal + 2 tool-loop steps), 6 tools, turn t forcing the generic theme's
 * tool t (get_service_health, query_metrics), the answer turn tool_choice "none"; 01_bare_no_tools — 5 sessions of
 * one plain call (no tools). Needs no Python.
 */
import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { runKneepoint } from "../run-kneepoint.ts";
import { startTimedRecordingTarget } from "./timed-recording-target.ts";

const EXAMPLES = fileURLToPath(new URL("../fixtures/inference-perf-examples/0.7.0/examples/synthetic_agentic/", import.meta.url));
const TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer", import.meta.url));
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";

interface Case {
  file: string;
  preview: string;
  /** Per session, in order: the tool_choice each call sends (undefined: none sent) and its message count. */
  calls: { toolChoice: unknown; messages: number }[];
  tools: number;
}
const forced = (name: string) => ({ type: "function", function: { name } });
const CASES: Case[] = [
  {
    file: "configs/single_agent_smoke.yml",
    preview: "synthetic_agentic: 5 session(s), 15 LLM calls (seed 42)",
    calls: [
      { toolChoice: forced("get_service_health"), messages: 2 },
      { toolChoice: forced("query_metrics"), messages: 4 },
      { toolChoice: "none", messages: 7 },
    ],
    tools: 6,
  },
  { file: "demo/01_bare_no_tools.yml", preview: "synthetic_agentic: 5 session(s), 5 LLM calls (seed 1)", calls: [{ toolChoice: undefined, messages: 2 }], tools: 0 },
];

function writeConfig(c: Case, target: string): { config: string; reports: string } {
  const dir = mkdtempSync(join(tmpdir(), "kp-agentic-run-"));
  const reports = join(dir, "reports");
  mkdirSync(reports);
  const doc = parse(readFileSync(join(EXAMPLES, c.file), "utf8")) as Record<string, Record<string, unknown>>;
  doc.server = { ...doc.server, base_url: target, model_name: MODEL };
  doc.tokenizer = { pretrained_model_name_or_path: TOKENIZER };
  doc.storage = { local_storage: { path: reports } };
  writeFileSync(join(dir, "config.yaml"), stringify(doc));
  return { config: join(dir, "config.yaml"), reports };
}

describe("kneepoint run -c on the synthetic_agentic examples", () => {
  for (const c of CASES) {
    it(`${c.file}: dry run, then a real run against the simulator`, async () => {
      const target = await startTimedRecordingTarget();
      try {
        const { config, reports } = writeConfig(c, target.url);
        const dry = await runKneepoint(["run", "--dry-run", "-c", config]);
        expect(dry.code, dry.stderr).toBe(0);
        expect(dry.stdout).toContain(c.preview);
        expect(dry.stdout).toContain("(dry run: nothing was sent)");
        expect(target.requests).toHaveLength(0);

        const run = await runKneepoint(["run", "-c", config, "--no-charts", "--no-server-metrics"]);
        expect(run.code, run.stderr).toBe(0);
        expect(target.requests).toHaveLength(5 * c.calls.length);
        const bySession = new Map<string, typeof target.requests>();
        for (const q of target.requests) {
          const first = (q.body.messages as { role: string; content: string }[]).find((m) => m.role === "user")!.content;
          bySession.set(first, [...(bySession.get(first) ?? []), q]);
        }
        expect(bySession.size).toBe(5);
        for (const calls of bySession.values()) {
          expect(calls.map((q) => ({ toolChoice: q.body.tool_choice, messages: (q.body.messages as unknown[]).length }))).toEqual(c.calls);
          for (const q of calls) expect(((q.body.tools as unknown[] | undefined) ?? []).length).toBe(c.tools);
          for (let i = 1; i < calls.length; i++) expect(calls[i]!.arrivedMs).toBeGreaterThanOrEqual(calls[i - 1]!.endedMs);
        }
        const summary = JSON.parse(readFileSync(join(reports, "summary_session_lifecycle_metrics.json"), "utf8")) as Record<string, unknown>;
        expect([summary.num_sessions, summary.num_sessions_succeeded, summary.total_events, summary.total_events_completed]).toEqual([5, 5, 5 * c.calls.length, 5 * c.calls.length]);
      } finally {
        await target.close();
      }
    }, 90_000);
  }
});
