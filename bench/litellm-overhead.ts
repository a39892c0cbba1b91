/**
 * `npm run bench:litellm`: what a LiteLLM proxy adds to TTFT and ITL, the same short closed-loop sweep run
 * against kneepoint's simulator directly and through a real LiteLLM proxy in front of it.
 *
 * A dev benchmark, not a test: it starts LiteLLM (litellm[proxy]==1.108.7) from the test tooling's venv
 * (~/.cache/kneepoint-test/venvs/litellm-1.108.7, installed by `npx tsx test/real-peers/install-peers.ts`) with
 * test/litellm/start-litellm.ts, and fails with that instruction when the venv is missing.
 *
 * The simulator runs in deterministic mode (TTFT 20 ms, one token every 5 ms), so anything above those figures
 * is the path: this client, the proxy, loopback. Both targets are measured by the native engine's own client
 * (src/engine/openai-stream-client.ts), alternating target per row. Two ITL columns:
 *  - "ITL" is over the first OUTPUT_LEN token events of each request on both targets: the gaps between tokens.
 *  - "ITL (as reported)" is what `kneepoint sweep` reports. Through LiteLLM it also holds two ~0 ms gaps per
 *    request: LiteLLM sends finish_reason in a chunk of its own and its usage chunk with `choices: [{index: 0}]`,
 *    which the client counts as token events (test/litellm/README.md).
 * On this 2-core machine the client, the simulator and the (single-worker, Python) proxy share the cores: the
 * proxy's CPU per request is printed to show what it costs.
 *
 *   npm run bench:litellm [-- --endpoint /v1/chat/completions --concurrency 1,16]
 */
import Table from "cli-table3";
import { spawnSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runClosedLoop } from "../src/load/closed-loop.ts";
import { createStreamClient, type PreparedRequest } from "../src/engine/openai-stream-client.ts";
import type { RequestRecord } from "../src/engine/request-record.ts";
import { percentile } from "../src/metrics/stats.ts";
import { summarizeStep } from "../src/metrics/summarize-step.ts";
import { loadLocalTokenizer } from "../src/tokenizer/local-tokenizer.ts";
import type { TokenizerPort } from "../src/tokenizer/tokenizer-port.ts";
import { buildPrompts } from "../src/workload/prompts.ts";
import { buildRequestBody } from "../src/workload/request-body.ts";
import { readProcCpuTicks } from "./engine-cell-spec.ts";
import { PROXY_MODEL, SIM_MODEL, startProxiedSim, type ProxiedSim } from "../test/litellm/start-litellm.ts";

const TTFT_MS = 20;
const ITL_MS = 5;
const INPUT_LEN = 64;
const OUTPUT_LEN = 32;
/** Requests per row: enough for a p99 at c=1 and 10 rounds at c=16. */
const requestsAt = (c: number) => Math.max(60, 10 * c);
const CLOCK_TICKS_PER_S = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);

interface Target {
  name: "simulator" | "LiteLLM";
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** A process whose CPU time to report per request (the proxy). */
  pid?: number;
}

interface Row {
  concurrency: number;
  target: Target["name"];
  reqPerS: number;
  ttftP50: number;
  ttftP99: number;
  itlP50: number;
  itlP99: number;
  reportedItlP50: number;
  reportedItlP99: number;
  chunksPerRequest: number;
  cpuMsPerRequest: number | null;
  failed: number;
}

const sorted = (xs: number[]) => Float64Array.from(xs).sort();

/** TTFT and the gaps between the first `tokens` token events, per request. */
function tokenTimings(records: RequestRecord[], tokens: number): { ttft: number[]; itl: number[] } {
  const ttft: number[] = [];
  const itl: number[] = [];
  for (const r of records) {
    if (r.error || r.chunkTimesMs.length === 0) continue;
    ttft.push(r.chunkTimesMs[0]! - r.sendMs);
    const times = r.chunkTimesMs.slice(0, tokens);
    for (let i = 1; i < times.length; i++) itl.push(times[i]! - times[i - 1]!);
  }
  return { ttft, itl };
}

async function measure(target: Target, endpoint: string, concurrency: number, prompts: string[]): Promise<Row> {
  const apiKind = endpoint.includes("chat") ? "chat" : "completion";
  const requests: PreparedRequest[] = prompts.map((p, index) => ({
    index,
    body: buildRequestBody(p, { apiKind, model: target.model, outputLen: OUTPUT_LEN, ignoreEos: true }),
    plannedPromptTokens: INPUT_LEN,
  }));
  const client = createStreamClient({ baseUrl: target.baseUrl, endpoint, headers: {}, ...(target.apiKey ? { apiKey: target.apiKey } : {}), connections: concurrency, timeoutMs: 60_000 });
  const never = new AbortController().signal;
  const cpuBefore = target.pid ? readProcCpuTicks(target.pid) : null;
  const loop = await runClosedLoop({ concurrency, requests, send: client.send, stop: never, abort: never, now: () => performance.now() });
  const cpuAfter = target.pid ? readProcCpuTicks(target.pid) : null;
  await client.close();
  const ok = loop.records.filter((r) => !r.error);
  // Chat streams open with a role-only chunk (vLLM's, passed through by LiteLLM): one more token event.
  const tokenEvents = apiKind === "chat" ? OUTPUT_LEN + 1 : OUTPUT_LEN;
  const { ttft, itl } = tokenTimings(ok, tokenEvents);
  const reported = summarizeStep(loop.records, {
    durationMs: loop.endMs - loop.startMs,
    startedAtMs: 0,
    endedAtMs: 0,
    backend: "kneepoint-native",
    endpointType: apiKind === "chat" ? "openai-chat" : "openai",
    label: `c${concurrency}`,
    modelId: target.model,
    tokenizerId: "tiny",
    numPrompts: requests.length,
    requestRate: "inf",
    burstiness: 1,
    maxConcurrency: concurrency,
    percentiles: [50, 99],
  });
  const st = sorted(ttft);
  const si = sorted(itl);
  return {
    concurrency,
    target: target.name,
    reqPerS: ok.length / ((loop.endMs - loop.startMs) / 1000),
    ttftP50: percentile(st, 50),
    ttftP99: percentile(st, 99),
    itlP50: percentile(si, 50),
    itlP99: percentile(si, 99),
    reportedItlP50: reported.p50_itl_ms ?? Number.NaN,
    reportedItlP99: reported.p99_itl_ms ?? Number.NaN,
    chunksPerRequest: ok.reduce((s, r) => s + r.chunkTimesMs.length, 0) / Math.max(1, ok.length),
    cpuMsPerRequest: cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) / CLOCK_TICKS_PER_S) * 1000 / Math.max(1, loop.records.length) : null,
    failed: loop.records.length - ok.length,
  };
}

async function promptsFor(tokenizer: TokenizerPort, count: number, seed: number): Promise<string[]> {
  const set = await buildPrompts(tokenizer, { count, inputLen: INPUT_LEN, seed });
  return set.prompts.map((p) => p.text);
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "–");
const plus = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(1)}` : "–");

function render(rows: Row[]): string {
  const table = new Table({
    head: ["conc", "target", "req/s", "TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "ITL p50 (as reported)", "ITL p99 (as reported)", "events/req", "proxy CPU ms/req", "failed"],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    table.push([r.concurrency, r.target, r.reqPerS.toFixed(1), f1(r.ttftP50), f1(r.ttftP99), f1(r.itlP50), f1(r.itlP99), f1(r.reportedItlP50), f1(r.reportedItlP99), r.chunksPerRequest.toFixed(1), r.cpuMsPerRequest === null ? "" : r.cpuMsPerRequest.toFixed(1), r.failed]);
  }
  const added = new Table({ head: ["conc", "LiteLLM adds: TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "req/s"], style: { head: [], border: [] } });
  for (const c of [...new Set(rows.map((r) => r.concurrency))]) {
    const d = rows.find((r) => r.concurrency === c && r.target === "simulator")!;
    const l = rows.find((r) => r.concurrency === c && r.target === "LiteLLM")!;
    added.push([c, plus(l.ttftP50 - d.ttftP50), plus(l.ttftP99 - d.ttftP99), plus(l.itlP50 - d.itlP50), plus(l.itlP99 - d.itlP99), `${(((l.reqPerS - d.reqPerS) / d.reqPerS) * 100).toFixed(0)}%`]);
  }
  return `${table.toString()}\n\n${added.toString()}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { endpoint: { type: "string", default: "/v1/completions" }, concurrency: { type: "string", default: "1,16" } } });
  const endpoint = values.endpoint!;
  const levels = values.concurrency!.split(",").map(Number);
  let proxied: ProxiedSim;
  try {
    proxied = await startProxiedSim(["--ttft-ms", String(TTFT_MS), "--itl-ms", String(ITL_MS)]);
  } catch (err) {
    process.stderr.write(
      `bench:litellm needs the real LiteLLM proxy of the test tooling: ${(err as Error).message}\n` +
        "install it with `npx tsx test/real-peers/install-peers.ts` (Python ≥ 3.9 and network to PyPI), then run again.\n",
    );
    process.exitCode = 3;
    return;
  }
  try {
    const tokenizer = await loadLocalTokenizer("test/fixtures/tiny-tokenizer", process.env);
    const sim: Target = { name: "simulator", baseUrl: proxied.sim.url, model: SIM_MODEL };
    const litellm: Target = { name: "LiteLLM", baseUrl: proxied.proxy.url, model: PROXY_MODEL, apiKey: proxied.proxy.masterKey, pid: proxied.proxy.pid };
    process.stderr.write(`simulator ${sim.baseUrl} (TTFT ${TTFT_MS} ms, ITL ${ITL_MS} ms), LiteLLM 1.108.7 ${litellm.baseUrl}; ${endpoint}, ${INPUT_LEN} in / ${OUTPUT_LEN} out tokens, ignore_eos\n`);
    // Warm both paths (the proxy's first requests import and cache things).
    const warm = await promptsFor(tokenizer, 16, 7);
    for (const t of [sim, litellm]) await measure(t, endpoint, 4, warm);
    const rows: Row[] = [];
    for (const c of levels) {
      const prompts = await promptsFor(tokenizer, requestsAt(c), 42 + c);
      // Alternate the order per level, so neither target always runs on a machine the other just heated.
      const order = rows.length % 4 === 0 ? [sim, litellm] : [litellm, sim];
      const pair: Row[] = [];
      for (const t of order) {
        process.stderr.write(`c=${c} ${t.name}: ${prompts.length} requests…\n`);
        pair.push(await measure(t, endpoint, c, prompts));
      }
      rows.push(...pair.sort((a, b) => (a.target === "simulator" ? -1 : b.target === "simulator" ? 1 : 0)));
    }
    process.stdout.write(`${render(rows)}\n`);
    process.stdout.write(`latencies in ms; the simulator alone is TTFT ${TTFT_MS} / ITL ${ITL_MS} by construction. "events/req" = token events the client counted per request (${OUTPUT_LEN} tokens).\n`);
    // The proxy is CPU-bound: other work on the machine moves its figures a lot (the simulator's hardly).
    process.stdout.write(`load average (1 min) at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores\n`);
  } finally {
    await proxied.stop();
  }
}

await main();
