/**
 * `npm run bench:sim`: how much the simulator can serve on one core.
 *
 * Starts `kneepoint sim` in a child process (pinned to CPU 0 with taskset when available; this
 * client pins itself to CPU 1), then drives it with a minimal raw-socket client: N keep-alive
 * connections in a closed loop, each streaming /v1/completions (256-token prompt, 128 tokens,
 * ignore_eos, include_usage). Counts SSE events per second and reads the child's CPU time from
 * /proc. Zero-latency deterministic mode measures the simulator's ceiling; one realistic row
 * (h100-8b in real time at c=32, the top of the default sweep) shows its cost in normal use.
 */
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { startSimProcess, type SimProcess } from "../src/cli/start-sim-process.ts";
import { readProcCpuTicks } from "./engine-cell-spec.ts";

const DURATION_S = Number(process.env.SIM_BENCH_SECONDS ?? 5); // per row, ≤ 10
const CLOCK_TICKS_PER_S = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);
const HAS_TASKSET = spawnSync("taskset", ["--version"]).status === 0;
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const OUTPUT_TOKENS = 128;

interface Sim {
  process: SimProcess;
  url: URL;
  pid: number;
}

/** `kneepoint sim` as a child (the product's own starter), then pinned to CPU 0 with all its threads. */
async function startSim(args: string[]): Promise<Sim> {
  const process = await startSimProcess(args);
  const pid = process.child.pid!;
  if (HAS_TASKSET) spawnSync("taskset", ["-a", "-p", "-c", "0", String(pid)]);
  return { process, url: new URL(process.url), pid };
}

function cpuSeconds(pid: number): number {
  return (readProcCpuTicks(pid) ?? 0) / CLOCK_TICKS_PER_S;
}

async function post(url: URL, path: string, body: unknown): Promise<string> {
  const res = await fetch(new URL(path, url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return res.text();
}

const DATA = Buffer.from("data: ");
const END = Buffer.from("0\r\n\r\n");

/** One keep-alive connection streaming requests back to back until `deadline`. */
function driveConnection(url: URL, request: Buffer, deadlineMs: number, totals: { events: number; responses: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let tail: Buffer = Buffer.alloc(0);
    const send = () => socket.write(request);
    socket.setNoDelay(true);
    socket.on("connect", send);
    socket.on("error", reject);
    socket.on("close", () => resolve());
    socket.on("data", (data: Buffer) => {
      const buf = tail.length ? Buffer.concat([tail, data]) : data;
      for (let i = buf.indexOf(DATA, tail.length ? Math.max(0, tail.length - DATA.length + 1) : 0); i >= 0; i = buf.indexOf(DATA, i + DATA.length)) {
        totals.events++;
      }
      if (buf.length >= END.length && buf.subarray(buf.length - END.length).equals(END)) {
        totals.responses++;
        tail = Buffer.alloc(0);
        if (performance.now() < deadlineMs) send();
        else socket.end();
        return;
      }
      tail = buf.subarray(Math.max(0, buf.length - 8));
    });
  });
}

interface Row {
  mode: string;
  concurrency: number;
  requestsPerS: number;
  tokensPerS: number;
  chunksPerS: number;
  peakRunning: number;
  simCpuPct: number;
}

async function measure(sim: Sim, mode: string, concurrency: number, prompt: string): Promise<Row> {
  const body = JSON.stringify({ model: MODEL, prompt, max_tokens: OUTPUT_TOKENS, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
  const request = Buffer.from(
    `POST /v1/completions HTTP/1.1\r\nHost: ${sim.url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const totals = { events: 0, responses: 0 };
  let peakRunning = 0;
  const t0 = performance.now();
  const cpu0 = cpuSeconds(sim.pid);
  const deadline = t0 + DURATION_S * 1000;
  const sampler = setInterval(() => {
    void fetch(new URL("/metrics", sim.url))
      .then((r) => r.text())
      .then((t) => {
        const m = /^vllm:num_requests_running\{[^}]*\} (\d+)/m.exec(t);
        if (m) peakRunning = Math.max(peakRunning, Number(m[1]));
      })
      .catch(() => undefined); // a sample in flight when the simulator stops
  }, 250);
  await Promise.all(Array.from({ length: concurrency }, () => driveConnection(sim.url, request, deadline, totals)));
  clearInterval(sampler);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(sim.pid) - cpu0;
  return {
    mode,
    concurrency,
    requestsPerS: totals.responses / seconds,
    tokensPerS: (totals.responses * OUTPUT_TOKENS) / seconds,
    chunksPerS: totals.events / seconds,
    peakRunning,
    simCpuPct: (100 * cpu) / seconds,
  };
}

async function stop(sim: Sim): Promise<void> {
  await sim.process.stop();
}

function printTable(rows: Row[]): void {
  const header = ["mode", "streams", "req/s", "output tok/s", "SSE chunks/s", "running (sampled)", "sim CPU (1 core)"];
  const lines = rows.map((r) => [
    r.mode,
    String(r.concurrency),
    r.requestsPerS.toFixed(1),
    Math.round(r.tokensPerS).toLocaleString("en-US"),
    Math.round(r.chunksPerS).toLocaleString("en-US"),
    String(r.peakRunning),
    `${r.simCpuPct.toFixed(0)} %`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => "| " + cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") + " |";
  console.log(fmt(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const l of lines) console.log(fmt(l));
}

async function main(): Promise<void> {
  if (HAS_TASKSET) spawnSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });
  console.log(`kneepoint sim benchmark: ${DURATION_S} s per row, 256-token prompt, ${OUTPUT_TOKENS} output tokens per request`);
  console.log(HAS_TASKSET ? "simulator pinned to CPU 0, client to CPU 1 (taskset)" : "taskset not found: processes are not pinned");
  const rows: Row[] = [];

  const fast = await startSim(["--ttft-ms", "0", "--itl-ms", "0"]);
  const ids = Array.from({ length: 255 }, (_, i) => (i * 7919) % 32_000);
  const prompt = (JSON.parse(await post(fast.url, "/detokenize", { tokens: ids })) as { prompt: string }).prompt;
  await measure(fast, "warm-up", 8, prompt).catch(() => undefined);
  for (const c of [1, 32, 256]) rows.push(await measure(fast, "zero-latency", c, prompt));
  await stop(fast);

  const real = await startSim(["--profile", "h100-8b"]);
  rows.push(await measure(real, "h100-8b, real time", 32, prompt));
  await stop(real);

  // the engine loop flat out: ~0.1 ms steps, one write per stream per step
  const fastModel = await startSim(["--profile", "h100-8b", "--speedup", "100"]);
  rows.push(await measure(fastModel, "h100-8b, speedup 100", 256, prompt));
  await stop(fastModel);

  printTable(rows);
  console.log("streams = client connections, each streaming requests back to back; running = peak of vllm:num_requests_running");
  console.log("sampled every 250 ms. SSE chunks/s counts every data line: 128 tokens + the usage chunk + [DONE] per request.");
  console.log("Zero-latency mode writes up to 64 chunks per socket write; the performance model writes once per stream per step.");
}

await main();
