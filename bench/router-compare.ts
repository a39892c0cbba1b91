/**
 * Seed 004 on a laptop (issue 15, item 5): the shared-prefix workload (benchmarks/scenarios/shared-prefix.yaml,
 * llm-d's X-37: 83 groups × 3 prompts, 8,000-token system prompt, 1,000-token question) against four simulated vLLM
 * replicas with automatic prefix caching (profile h100x4-70b by default: the seed's Llama-3.1-70B on 4 H100s, tensor
 * parallel 4, 461,376 KV tokens per replica), once behind each of llm-d's routing strategies
 * (`kneepoint sim --replicas 4 --router random|load|prefix-approx|prefix-precise`), then `kneepoint report --compare`
 * over the four runs. The seed's stages are scaled in time: the simulator runs --speedup times faster than the
 * hardware it models, so each stage is sent at rate × speedup for duration ÷ speedup (the same requests per stage
 * and the same load in simulated time); every latency the reports give is wall-clock, so ÷ speedup too.
 * Each replica's /metrics is scraped every --scrape-ms by this script too (waiting queue, KV-cache usage, prefix
 * cache hits), so the table below does not depend on the run's own server-metrics reading.
 * A measurement, not a test: exits 0 whatever the ordering, 1 when it could not run, 2 on a bad flag.
 *
 *   npx tsx bench/router-compare.ts [--speedup 5] [--stages 3:60,5:40,8:30,12:30,20:20] [--profile h100x4-70b] [--output-len 1000]
 *        [--routers random,load,prefix-approx,prefix-precise] [--out DIR] [--json FILE]
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startSimProcess } from "../src/cli/start-sim-process.ts";
import { ROUTER_STRATEGIES, type RouterStrategy } from "../src/sim/router.ts";
import { describeValues, scrapeReplicas, type ReplicaSample } from "./router-compare-scrape.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = join(ROOT, "bin/kneepoint.js");
const SCENARIO = join(ROOT, "benchmarks/scenarios/shared-prefix.yaml");

const USAGE = `usage: npx tsx bench/router-compare.ts [--speedup 5] [--stages 3:60,5:40,8:30,12:30,20:20] [--profile h100x4-70b] [--output-len 1000]
         [--routers random,load,prefix-approx,prefix-precise] [--replicas 4] [--scrape-ms 250] [--out DIR] [--json FILE]
Runs seed 004's shared-prefix workload against N simulated replicas behind each router (stages rate:duration in
simulated time, scaled by --speedup), then kneepoint report --compare over the runs; prints TTFT, the replicas'
queue and KV-cache use and prefix-cache hit rate per router.`;

interface Flags {
  speedup: number;
  profile: string;
  stages: Array<{ rate: number; duration: number }>;
  outputLen: number;
  routers: RouterStrategy[];
  replicas: number;
  scrapeMs: number;
  out: string;
  json: string | null;
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      speedup: { type: "string", default: "5" },
      profile: { type: "string", default: "h100x4-70b" },
      stages: { type: "string", default: "3:60,5:40,8:30,12:30,20:20" },
      "output-len": { type: "string", default: "1000" },
      routers: { type: "string", default: ROUTER_STRATEGIES.join(",") },
      replicas: { type: "string", default: "4" },
      "scrape-ms": { type: "string", default: "250" },
      out: { type: "string", default: `results/router-compare-${new Date().toISOString().replace(/[:.]/g, "-")}` },
      json: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) usage(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
    return n;
  };
  const stages = values.stages.split(",").map((s) => {
    const [rate, duration] = s.split(":");
    if (rate === undefined || duration === undefined) usage(`--stages: each stage is rate:duration (simulated seconds), got ${JSON.stringify(s)}`);
    return { rate: positive("stages rate", rate!), duration: positive("stages duration", duration!) };
  });
  const routers = values.routers.split(",").map((r) => {
    if (!(ROUTER_STRATEGIES as readonly string[]).includes(r)) usage(`--routers: ${JSON.stringify(r)} is not one of ${ROUTER_STRATEGIES.join(", ")}`);
    return r as RouterStrategy;
  });
  return {
    speedup: positive("speedup", values.speedup),
    profile: values.profile,
    stages,
    outputLen: Math.round(positive("output-len", values["output-len"])),
    routers,
    replicas: Math.round(positive("replicas", values.replicas)),
    scrapeMs: positive("scrape-ms", values["scrape-ms"]),
    out: resolve(values.out),
    json: values.json ?? null,
  };
}

function usage(message: string): never {
  process.stderr.write(`router-compare: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function runKneepoint(args: string[], logFile: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    const keep = (d: Buffer) => (log += d.toString());
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    child.on("error", fail);
    child.on("exit", (code) => {
      writeFileSync(logFile, log);
      done(code ?? 1);
    });
  });
}

interface RouterResult {
  router: RouterStrategy;
  exitCode: number;
  dir: string;
  ttftP50Ms: number | null;
  ttftP90Ms: number | null;
  ttftMeanMs: number | null;
  outputTokensPerS: number | null;
  requests: number | null;
  waiting: ReturnType<typeof describeValues>;
  kvPct: ReturnType<typeof describeValues>;
  dataPoints: number;
  prefixHitRate: number | null;
  routed: number[];
  wallS: number;
}

function readSummary(dir: string): { ttftP50Ms: number | null; ttftP90Ms: number | null; ttftMeanMs: number | null; outputTokensPerS: number | null; requests: number | null } {
  try {
    const s = JSON.parse(readFileSync(join(dir, "summary_lifecycle_metrics.json"), "utf8")) as {
      successes?: { count?: number; latency?: { time_to_first_token?: { p50?: number; p90?: number; mean?: number } }; throughput?: { output_tokens_per_sec?: number } };
    };
    const ttft = s.successes?.latency?.time_to_first_token;
    const ms = (v: number | undefined) => (v === undefined ? null : v * 1000);
    return { ttftP50Ms: ms(ttft?.p50), ttftP90Ms: ms(ttft?.p90), ttftMeanMs: ms(ttft?.mean), outputTokensPerS: s.successes?.throughput?.output_tokens_per_sec ?? null, requests: s.successes?.count ?? null };
  } catch {
    return { ttftP50Ms: null, ttftP90Ms: null, ttftMeanMs: null, outputTokensPerS: null, requests: null };
  }
}

async function runRouter(flags: Flags, router: RouterStrategy): Promise<RouterResult> {
  const dir = join(flags.out, router);
  mkdirSync(dir, { recursive: true });
  const sim = await startSimProcess(["--replicas", String(flags.replicas), "--router", router, "--profile", flags.profile, "--speedup", String(flags.speedup), "--max-model-len", "16384", "--seed", "42"]);
  try {
    const listing = (await (await fetch(`${sim.url}/metrics`)).json()) as { replicas?: string[] };
    const replicas = listing.replicas ?? [];
    if (replicas.length !== flags.replicas) throw new Error(`the router listed ${replicas.length} replicas, expected ${flags.replicas}`);
    const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    const stages = flags.stages.map((s) => ({ rate: s.rate * flags.speedup, duration: s.duration / flags.speedup }));
    const scrape = scrapeReplicas(replicas, flags.scrapeMs);
    const t0 = performance.now();
    const exitCode = await runKneepoint(
      [
        "run", "-c", SCENARIO,
        "--set", `server.base_url=${sim.url}`,
        "--set", `server.model_name=${models.data[0]!.id}`,
        "--set", `load.stages=${JSON.stringify(stages)}`,
        "--set", `data.shared_prefix.output_len=${flags.outputLen}`,
        // The per-request file holds every 9,000-token prompt and its answer: ~0.6 MB a request, GBs a run, and
        // its writing would compete with the load; the comparison reads the summaries and the server series.
        "--set", "report.request_lifecycle.per_request=false",
        // No client-side cap on requests in flight: the seed's routers differ once the servers queue, and a cap of
        // num_workers × worker_max_concurrency (100 by default) would queue them in the client instead (stage
        // warnings say so as "schedule delay"). 1 × 5,000 is above any backlog these stages build.
        "--set", "load.num_workers=1",
        "--set", "load.worker_max_concurrency=5000",
        "--output", dir,
      ],
      join(flags.out, `${router}.log`),
    );
    const wallS = (performance.now() - t0) / 1000;
    const samples: ReplicaSample[] = await scrape.stop();
    const summary = readSummary(dir);
    const hits = samples.length ? samples[samples.length - 1]! : null;
    return {
      router,
      exitCode,
      dir,
      ...summary,
      waiting: describeValues(samples.flatMap((s) => s.waiting)),
      kvPct: describeValues(samples.flatMap((s) => s.kvUsage.map((u) => u * 100))),
      dataPoints: samples.reduce((n, s) => n + s.waiting.length, 0),
      prefixHitRate: hits && hits.prefixQueries > 0 ? hits.prefixHits / hits.prefixQueries : null,
      routed: [],
      wallS,
    };
  } finally {
    await sim.stop();
  }
}

const fmt = (v: number | null, digits = 1) => (v === null ? "–" : v.toFixed(digits));

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  mkdirSync(flags.out, { recursive: true });
  process.stdout.write(`seed 004 shared-prefix, ${flags.replicas} replicas of ${flags.profile}, speedup ${flags.speedup}, stages (simulated) ${flags.stages.map((s) => `${s.rate}/s×${s.duration}s`).join(", ")}, output ${flags.outputLen} tokens → ${flags.out}\n`);
  const results: RouterResult[] = [];
  for (const router of flags.routers) {
    process.stdout.write(`  ${router} …\n`);
    const r = await runRouter(flags, router);
    results.push(r);
    process.stdout.write(`  ${router}: exit ${r.exitCode}, ${r.requests ?? "?"} ok, TTFT p90 ${fmt(r.ttftP90Ms)} ms wall, ${r.wallS.toFixed(0)} s\n`);
  }
  const sim = (ms: number | null) => (ms === null ? null : (ms * flags.speedup) / 1000);
  process.stdout.write(
    `\n| router | ok | out tok/s (sim) | TTFT p90 (s, sim) | TTFT mean (s, sim) | wait queue mean/p90/max | KV % mean/p90/max | points | prefix hit rate |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `| ${r.router} | ${r.requests ?? "–"} | ${fmt(r.outputTokensPerS === null ? null : r.outputTokensPerS / flags.speedup)} | ${fmt(sim(r.ttftP90Ms), 3)} | ${fmt(sim(r.ttftMeanMs), 3)} | ` +
        `${fmt(r.waiting.mean)}/${fmt(r.waiting.p90, 0)}/${fmt(r.waiting.max, 0)} | ${fmt(r.kvPct.mean)}/${fmt(r.kvPct.p90)}/${fmt(r.kvPct.max)} | ${r.dataPoints} | ${r.prefixHitRate === null ? "–" : `${(r.prefixHitRate * 100).toFixed(1)} %`} |\n`,
    );
  }
  const compareDir = join(flags.out, "compare");
  const code = await runKneepoint(["report", "--compare", ...results.map((r) => r.dir), ...results.flatMap((r) => ["--label", r.router]), "--out", compareDir], join(flags.out, "compare.log"));
  process.stdout.write(`\nkneepoint report --compare: exit ${code}, ${compareDir}\n`);
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify({ flags, results }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`router-compare: ${(err as Error).message}\n`);
  process.exit(1);
});
