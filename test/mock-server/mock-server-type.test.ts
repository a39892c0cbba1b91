/**
 * server.type mock: inference-perf's client-side mock. kneepoint sends nothing (base_url points at a closed port),
 * each request succeeds after 1 s with 0 tokens; the report directory matches what inference-perf 0.7.0 writes for
 * the same config (test/parity's comparison: files, shapes with the per-request file, counts, tokens, latencies).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createMockClient, mockRequestData, pythonRepr } from "../../src/engine/mock-client.ts";
import { compareReportDirs } from "../parity/compare-report-dirs.ts";
import { formatShapeDifferences } from "../parity/format-findings.ts";
import { readReportDir } from "../parity/report-dir.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";

describe("the mock client", () => {
  it("records str(body) as Python prints a dict", () => {
    expect(mockRequestData(JSON.stringify({ model: "m", prompt: "1 2 3 1", max_tokens: 30, ignore_eos: true, stream: true, stream_options: { include_usage: true } }))).toBe(
      "{'model': 'mock_model', 'prompt': '1 2 3 1', 'max_tokens': 3, 'ignore_eos': False, 'stream': False}",
    );
    expect(mockRequestData(JSON.stringify({ model: "m", messages: [{ role: "user", content: "it's" }], max_tokens: 30 }))).toBe(
      `{'model': 'mock_model', 'messages': [{'role': 'user', 'content': "it's"}], 'max_tokens': 3, 'ignore_eos': False, 'stream': False}`,
    );
    expect(pythonRepr({ a: null, b: 1.5, c: 2, d: "x\n'\"", e: [] })).toBe(`{'a': None, 'b': 1.5, 'c': 2, 'd': 'x\\n\\'"', 'e': []}`);
  });

  it("answers after its latency with 0 tokens; a shorter request timeout is a timeout; a stopped run cancels", async () => {
    const ok = await createMockClient({ latencyMs: 20, timeoutMs: Infinity }).send({ index: 3, body: "{}", plannedPromptTokens: 9 }, new AbortController().signal);
    expect(ok.error).toBeNull();
    expect(ok.plannedPromptTokens).toBe(0);
    expect(ok.endMs! - ok.sendMs).toBeGreaterThanOrEqual(19);
    const late = await createMockClient({ latencyMs: 50, timeoutMs: 10 }).send({ index: 0, body: "{}", plannedPromptTokens: 1 }, new AbortController().signal);
    expect(late.error?.reason).toBe("timeout");
    const stop = new AbortController();
    const pending = createMockClient({ latencyMs: 5000, timeoutMs: Infinity }).send({ index: 0, body: "{}", plannedPromptTokens: 1 }, stop.signal);
    stop.abort();
    expect((await pending).error?.reason).toBe("aborted");
  });
});

describe("kneepoint run with server.type mock", () => {
  const dir = mkdtempSync(join(tmpdir(), "kneepoint-mock-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function config(name: string): { path: string; reports: string } {
    const reports = join(dir, name);
    const doc = {
      data: { type: "mock" },
      load: { type: "constant", interval: 0, stages: [{ rate: 4, duration: 2 }] },
      api: { type: "completion", streaming: true },
      // A closed port: the mock sends nothing, so nothing may fail for want of a server.
      server: { type: "mock", base_url: "http://127.0.0.1:1" },
      report: { request_lifecycle: { summary: true, per_stage: true, per_request: true } },
      storage: { local_storage: { path: reports } },
    };
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, stringify(doc));
    return { path, reports };
  }

  it("sends nothing and records 8 successes of ~1 s with 0 tokens", async () => {
    const kp = config("kp-alone");
    const run = await runKneepoint(["run", "-c", kp.path, "--no-charts"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/server\.type mock: nothing is sent/);
    const summary = JSON.parse(readFileSync(join(kp.reports, "summary_lifecycle_metrics.json"), "utf8")) as { successes: { count: number; latency: { request_latency: { median: number }; time_to_first_token: unknown }; output_tokens: { max: number } } };
    expect(summary.successes.count).toBe(8);
    expect(summary.successes.latency.request_latency.median).toBeGreaterThan(0.99);
    expect(summary.successes.latency.request_latency.median).toBeLessThan(1.1);
    expect(summary.successes.latency.time_to_first_token).toBeNull();
    expect(summary.successes.output_tokens.max).toBe(0);
  }, 60_000);

  const noPeer = skipReason(INFERENCE_PERF_NEWEST);
  it.skipIf(noPeer !== undefined)("writes what inference-perf 0.7.0 writes for the same mock run", async () => {
    const ip = config("ip");
    const kp = config("kp");
    const ipRun = await runChild(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", ip.path], { cwd: dir, env: { ...process.env, HF_HUB_OFFLINE: "1" }, timeoutMs: 90_000 });
    expect(ipRun.code, tail(ipRun.stderr + ipRun.stdout)).toBe(0);
    const kpRun = await runKneepoint(["run", "-c", kp.path, "--no-charts"]);
    expect(kpRun.code, kpRun.stderr).toBe(0);
    const f = compareReportDirs(readReportDir(ip.reports), readReportDir(kp.reports));
    expect(f.files.missing).toEqual([]);
    expect(f.unreadable).toEqual([]);
    expect(f.shapes.flatMap((s) => formatShapeDifferences(s.findings).map((l) => `${s.document}: ${l}`))).toEqual([]);
    expect(f.counts.flatMap((c) => c.findings)).toEqual([]);
    expect(f.tokens).toEqual([]);
    expect(f.latencies.flatMap((l) => l.findings.filter((s) => !s.ok).map((s) => `${l.document} ${s.path}: ip ${s.ip} kp ${s.kp}`))).toEqual([]);
    // The recorded request, byte for byte.
    const first = (d: string) => (JSON.parse(readFileSync(join(d, "per_request_lifecycle_metrics.json"), "utf8")) as Array<{ request: string }>)[0]!.request;
    expect(first(kp.reports)).toBe(first(ip.reports));
  }, 120_000);
});
