/**
 * Body parity with the real inference-perf 0.7.0 for api.response_format and data.use_chat_template: each config
 * runs through inference-perf and through `kneepoint run -c`, each against its own simulator behind a recording
 * proxy, and the /v1/* request bodies both tools sent are compared — the same keys in the same order, the same
 * values (response_format, add_special_tokens, max_tokens, …); for the chat-templated random prompts, whose random
 * tokens differ by generator, the same template around them and the same length in the tokenizer's count
 * (the fully templated prompt, without added special tokens, is the configured input length).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { loadLocalTokenizer } from "../../src/tokenizer/local-tokenizer.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { runChild, tail } from "./run-child.ts";

const CHAT_TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-chat-tokenizer", import.meta.url));
const SCHEMA = { type: "object", properties: { title: { type: "string" }, stars: { type: "integer", minimum: 1, maximum: 5 } }, required: ["title", "stars"] };

const common = (report: string, baseUrl: string) => `
load:
  type: constant
  stages: [{rate: 8, duration: 1}]
server:
  type: vllm
  model_name: meta-llama/Llama-3.1-8B-Instruct
  base_url: ${baseUrl}
  ignore_eos: true
tokenizer:
  pretrained_model_name_or_path: ${CHAT_TOKENIZER}
report:
  request_lifecycle: {summary: true, per_stage: false, per_request: false}
storage:
  local_storage: {path: ${report}}
`;

const CASES = {
  "response_format json_schema, chat, mock data": (report: string, url: string) => `
api:
  type: chat
  streaming: true
  response_format:
    name: review
    json_schema: ${JSON.stringify(SCHEMA)}
data:
  type: mock
${common(report, url)}`,
  "use_chat_template, random data, with response_format json_object on completions": (report: string, url: string) => `
api:
  type: completion
  streaming: false
  response_format: {type: json_object}
data:
  type: random
  use_chat_template: true
  input_distribution: {min: 40, max: 40, mean: 40, std_dev: 0}
  output_distribution: {min: 12, max: 12, mean: 12, std_dev: 0}
${common(report, url)}`,
};

type Body = Record<string, unknown>;

/** A proxy in front of a fresh simulator that keeps every /v1/* body it forwards. */
async function recordingProxy(): Promise<{ url: string; bodies: Body[]; close: () => Promise<void> }> {
  const sim: RunningSimulator = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1 });
  const bodies: Body[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      if (req.url?.startsWith("/v1/") && req.method === "POST") bodies.push(JSON.parse(text) as Body);
      void fetch(sim.url + req.url, { method: req.method, headers: { "content-type": "application/json" }, ...(req.method === "POST" ? { body: text } : {}) }).then(async (r) => {
        res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, bodies, close: async () => (server.close(), await sim.close()) };
}

async function bodiesFrom(tool: "inference-perf" | "kneepoint", render: (report: string, url: string) => string): Promise<Body[]> {
  const proxy = await recordingProxy();
  const dir = mkdtempSync(join(tmpdir(), `kp-bodies-${tool}-`));
  mkdirSync(join(dir, "reports"));
  const config = join(dir, "config.yaml");
  writeFileSync(config, render(join(dir, "reports"), proxy.url));
  const env = { HF_HUB_OFFLINE: "1", HF_HOME: join(dir, "hf"), KNEEPOINT_CACHE_DIR: join(dir, "cache") };
  try {
    const run =
      tool === "kneepoint"
        ? await runKneepoint(["run", "-c", config], { cwd: dir, env })
        : await runChild(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", config], { cwd: dir, env: { ...process.env, ...env }, timeoutMs: 120_000 });
    if (run.code !== 0) throw new Error(`${tool} failed (exit ${run.code}):\n${tail(run.stderr + run.stdout)}`);
  } finally {
    await proxy.close();
  }
  return proxy.bodies.filter((b) => "prompt" in b || "messages" in b);
}

const skip = skipReason(INFERENCE_PERF_NEWEST);
const results = new Map<string, { ip: Body[]; kp: Body[] }>();

describe.skipIf(skip !== undefined)(`request bodies: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}`, () => {
  beforeAll(async () => {
    for (const [name, render] of Object.entries(CASES)) results.set(name, { ip: await bodiesFrom("inference-perf", render), kp: await bodiesFrom("kneepoint", render) });
  }, 300_000);
  afterAll(() => results.clear());

  it("response_format: the same chat bodies, response_format last as {type: json_schema, json_schema: {name, schema}}", () => {
    const { ip, kp } = results.get("response_format json_schema, chat, mock data")!;
    expect(ip.length).toBeGreaterThan(0);
    expect(kp.length).toBe(ip.length);
    // by hand, what 0.7.0's to_api_format sends for this config:
    const expected = { type: "json_schema", json_schema: { name: "review", schema: SCHEMA } };
    for (const bodies of [ip, kp]) for (const b of bodies) expect(b.response_format).toEqual(expected);
    expect(Object.keys(kp[0]!)).toEqual(Object.keys(ip[0]!));
    expect(Object.keys(ip[0]!).at(-1)).toBe("response_format");
    const byContent = (bs: Body[]) => bs.map((b) => JSON.stringify(b)).sort();
    expect(byContent(kp)).toEqual(byContent(ip)); // mock prompts: identical bodies, byte for byte once parsed
  });

  it("use_chat_template: the same keys and order, add_special_tokens false, the template around the prompt, the templated length", async () => {
    const { ip, kp } = results.get("use_chat_template, random data, with response_format json_object on completions")!;
    expect(ip.length).toBeGreaterThan(0);
    expect(kp.length).toBe(ip.length);
    const tok = await loadLocalTokenizer(CHAT_TOKENIZER, {});
    for (const [tool, bodies] of [["inference-perf", ip], ["kneepoint", kp]] as const) {
      for (const b of bodies) {
        expect(Object.keys(b), tool).toEqual(Object.keys(ip[0]!));
        expect({ ...b, prompt: "" }, tool).toEqual({ model: "meta-llama/Llama-3.1-8B-Instruct", prompt: "", max_tokens: 12, ignore_eos: true, stream: false, add_special_tokens: false, response_format: { type: "json_object" } });
        expect(b.prompt as string, tool).toMatch(/^<s>\[INST\] \S.* \[\/INST\]$/);
        expect((await tok.encode(b.prompt as string)).length, `${tool}: ${b.prompt as string}`).toBe(40);
      }
    }
  });
});
