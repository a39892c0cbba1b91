import { describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { postJson, rawRequest } from "./raw-http.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function runCli(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitForUrl(stdout: () => string, timeoutMs = 15_000): Promise<string> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const m = /http:\/\/[^\s)]+/.exec(stdout());
    if (m && stdout().includes("\n")) return m[0];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no URL on stdout: ${stdout()}`);
}

describe("kneepoint sim (process)", () => {
  it("prints one line with the URL, serves, and exits 0 on SIGTERM while a stream is in flight", async () => {
    const cli = runCli(["sim", "--port", "0", "--ttft-ms", "1", "--itl-ms", "50"]);
    const url = await waitForUrl(cli.stdout);
    expect(cli.stdout()).toMatch(/^kneepoint sim listening on http:\/\/127\.0\.0\.1:\d+ \(profile h100-8b, [^)]*\)\n$/);
    expect((await rawRequest(url, { path: "/health" })).status).toBe(200);
    const stream = postJson(url, "/v1/completions", { model: "meta-llama/Llama-3.1-8B-Instruct", prompt: "x", max_tokens: 1000, ignore_eos: true, stream: true });
    await new Promise((r) => setTimeout(r, 200));
    cli.child.kill("SIGTERM");
    expect(await cli.exit).toBe(0);
    const r = await stream;
    expect(r.events.length).toBeLessThan(1000); // ended by the shutdown
    expect(cli.stdout().split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("exits 0 on SIGINT", async () => {
    const cli = runCli(["sim", "--port", "0", "--profile", "kv-starved", "--speedup", "5", "--dcgm-port", "0"]);
    const url = await waitForUrl(cli.stdout);
    expect(cli.stdout()).toContain("profile kv-starved");
    expect(cli.stdout()).toMatch(/DCGM exporter http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(JSON.parse((await rawRequest(url, { path: "/v1/models" })).body).data[0].id).toBe("meta-llama/Llama-3.1-70B-Instruct");
    cli.child.kill("SIGINT");
    expect(await cli.exit).toBe(0);
  });

  it("--help lists the profiles and the fault header grammar", async () => {
    const cli = runCli(["sim", "--help"]);
    expect(await cli.exit).toBe(0);
    const help = cli.stdout();
    expect(help).toMatch(/^\s+h100-8b\s+Llama-3\.1-8B/m);
    expect(help).toMatch(/^\s+kv-starved\s+Llama-3\.1-70B/m);
    expect(help).toContain("x-kneepoint-fault: status=<400-599>");
  });

  it("rejects bad flags with exit 2 and a message naming the flag", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--port", "abc"], /--port must be an integer/],
      [["--speedup", "0"], /--speedup must be a number > 0/],
      [["--ttft-ms", "5"], /--ttft-ms and --itl-ms must be given together/],
      [["--profile", "a100"], /--profile must be one of h100-8b, kv-starved, h100x4-70b/],
      [["--fault-error-rate", "2"], /--fault-error-rate must be a number ≥ 0 and ≤ 1/],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const cli = runCli(["sim", ...args]);
        expect(await cli.exit, args.join(" ")).toBe(2);
        expect(cli.stderr()).toMatch(message);
      }),
    );
  });

  it("exits 3 when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const cli = runCli(["sim", "--port", String(port)]);
      expect(await cli.exit).toBe(3);
      expect(cli.stderr()).toContain(`127.0.0.1:${port}`);
      expect(cli.stderr()).toContain("--port 0");
    } finally {
      blocker.close();
    }
  });
});
