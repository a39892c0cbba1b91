import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentError, UsageError } from "../errors.ts";
import { createPrometheusClient } from "./prometheus-client.ts";
import { parseSampleValue } from "./prometheus-response.ts";

interface Seen {
  path: string;
  auth: string | undefined;
  contentType: string | undefined;
  form: URLSearchParams;
}

type Reply = { status: number; body: string; type?: string; delayMs?: number };
let reply: Reply = { status: 200, body: "{}" };
let seen: Seen | null = null;
let server: Server;
let base: string;

async function readBody(req: IncomingMessage): Promise<string> {
  let s = "";
  for await (const chunk of req) s += String(chunk);
  return s;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    seen = { path: req.url ?? "", auth: req.headers.authorization, contentType: req.headers["content-type"], form: new URLSearchParams(await readBody(req)) };
    const { status, body, type, delayMs } = reply;
    setTimeout(() => res.writeHead(status, { "content-type": type ?? "application/json" }).end(body), delayMs ?? 0);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const json = (status: number, body: unknown): Reply => ({ status, body: JSON.stringify(body) });

async function failure(p: Promise<unknown>): Promise<EnvironmentError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EnvironmentError);
  return err as EnvironmentError;
}

describe("createPrometheusClient", () => {
  it("POSTs a form-encoded instant query with time in seconds and a bearer token, and keeps NaN/+Inf", async () => {
    reply = json(200, {
      status: "success",
      data: {
        resultType: "vector",
        result: [
          { metric: { gpu: "0" }, value: [1700000000.5, "87"] },
          { metric: { gpu: "1" }, value: [1700000000.5, "NaN"] },
          { metric: { gpu: "2" }, value: [1700000000.5, "+Inf"] },
        ],
      },
      warnings: ["careful"],
    });
    const client = createPrometheusClient({ url: base, token: "s3cret" });
    const { samples, warnings } = await client.query("up", 1_700_000_000_500);
    expect(seen?.path).toBe("/prom/api/v1/query");
    expect(seen?.auth).toBe("Bearer s3cret");
    expect(seen?.contentType).toBe("application/x-www-form-urlencoded");
    expect(seen?.form.get("query")).toBe("up");
    expect(seen?.form.get("time")).toBe("1700000000.500");
    expect(samples.map((s) => s.value)).toEqual([87, NaN, Infinity]);
    expect(samples[0]).toEqual({ labels: { gpu: "0" }, tMs: 1_700_000_000_500, value: 87 });
    expect(warnings).toEqual(["careful"]);
  });

  it("reads a range query's matrix", async () => {
    reply = json(200, { status: "success", data: { resultType: "matrix", result: [{ metric: {}, values: [[10, "1"], [11, "-Inf"]] }] } });
    const { series } = await createPrometheusClient({ url: base }).queryRange("x", { startMs: 10_000, endMs: 11_000, stepMs: 1000 });
    expect(seen?.path).toBe("/prom/api/v1/query_range");
    expect([seen?.form.get("start"), seen?.form.get("end"), seen?.form.get("step")]).toEqual(["10.000", "11.000", "1.000"]);
    expect(series).toEqual([{ labels: {}, points: [{ tMs: 10_000, value: 1 }, { tMs: 11_000, value: -Infinity }] }]);
  });

  it("maps a 400 envelope to an EnvironmentError naming the URL, the query and the error", async () => {
    reply = json(400, { status: "error", errorType: "bad_data", error: 'parse error: unexpected "}"' });
    const err = await failure(createPrometheusClient({ url: base }).query("foo}", 0));
    expect(err.message).toContain("HTTP 400 (bad_data)");
    expect(err.message).toContain('parse error: unexpected "}"');
    expect(err.message).toContain(`${base}/api/v1/query`);
    expect(err.message).toContain("query: foo}");
    expect(err.hint).toMatch(/kneepoint bug/);
  });

  it("maps 422 and 503 envelopes", async () => {
    reply = json(422, { status: "error", errorType: "execution", error: "query processing would load too many samples" });
    expect((await failure(createPrometheusClient({ url: base }).query("x", 0))).hint).toMatch(/could not execute/);
    reply = json(503, { status: "error", errorType: "timeout", error: "query timed out in expression evaluation" });
    const err = await failure(createPrometheusClient({ url: base }).query("x", 0));
    expect(err.message).toContain("HTTP 503 (timeout)");
    expect(err.hint).toMatch(/timed out/);
  });

  it("maps proxy errors without the JSON envelope (HTML 502, 401, plain text)", async () => {
    reply = { status: 502, type: "text/html", body: "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>" };
    const bad = await failure(createPrometheusClient({ url: base }).query("x", 0));
    expect(bad.message).toContain('HTTP 502: a non-JSON answer: "502 Bad Gateway"');
    expect(bad.hint).toMatch(/proxy/);
    reply = { status: 401, type: "text/plain", body: "Unauthorized" };
    expect((await failure(createPrometheusClient({ url: base }).query("x", 0))).hint).toMatch(/PROMETHEUS_TOKEN/);
    reply = { status: 200, type: "text/html", body: "<!doctype html><title>Grafana</title>" };
    expect((await failure(createPrometheusClient({ url: base }).query("x", 0))).message).toContain("non-JSON");
    reply = json(200, { hello: "world" });
    expect((await failure(createPrometheusClient({ url: base }).query("x", 0))).message).toContain("not a Prometheus API envelope");
  });

  it("times out, and names an unreachable URL", async () => {
    reply = { ...json(200, { status: "success", data: { resultType: "vector", result: [] } }), delayMs: 500 };
    const slow = await failure(createPrometheusClient({ url: base, timeoutMs: 50 }).query("x", 0));
    expect(slow.message).toContain("did not answer within 0.05 s");
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = await failure(createPrometheusClient({ url: `http://127.0.0.1:${port}` }).query("x", 0));
    expect(down.message).toMatch(/unreachable: ECONNREFUSED/);
    expect(down.hint).toMatch(/PROMETHEUS_URL/);
  });

  it("rejects a malformed URL as a usage error", () => {
    expect(() => createPrometheusClient({ url: "not a url" })).toThrow(UsageError);
  });
});

describe("parseSampleValue", () => {
  it("reads Prometheus float text", () => {
    expect(parseSampleValue("1e-3")).toBe(0.001);
    expect(parseSampleValue("-Inf")).toBe(-Infinity);
    expect(() => parseSampleValue("abc")).toThrow();
    expect(() => parseSampleValue("")).toThrow();
  });
});
