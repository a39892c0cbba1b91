/**
 * Two requests on one keep-alive connection, the second sent before the first's response is out (HTTP/1.1
 * pipelining; a client reusing a socket right after reading a streamed answer's end comes close to it, and over TLS
 * hit it about once in ten runs). Node queues the second response behind the first, with no socket until then: the
 * simulator must answer it, not take the missing socket for a client that left (it counted an abort and never answered).
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 5, itlMs: 2 });
});
afterAll(async () => {
  await sim?.close();
});

function post(body: object, last: boolean): string {
  const json = JSON.stringify(body);
  return `POST /v1/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n${last ? "connection: close\r\n" : ""}\r\n${json}`;
}

describe("pipelined requests on one connection", () => {
  it("answers both, the second after the first, and counts no abort", async () => {
    const model = "meta-llama/Llama-3.1-8B-Instruct";
    const first = { model, prompt: "one two three", max_tokens: 6, ignore_eos: true, stream: true };
    const second = { model, prompt: "four five six", max_tokens: 4, ignore_eos: true, stream: false };
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(sim.port, "127.0.0.1", () => socket.write(post(first, false) + post(second, true)));
      let out = "";
      socket.setEncoding("utf8");
      socket.on("data", (d: string) => (out += d));
      socket.on("end", () => resolve(out));
      socket.on("error", reject);
      setTimeout(() => reject(new Error(`no end after 5 s; received:\n${out}`)), 5000).unref();
    });
    expect(text.match(/^HTTP\/1\.1 200 OK/gm)).toHaveLength(2);
    expect(text.indexOf("data: [DONE]")).toBeLessThan(text.lastIndexOf("HTTP/1.1 200 OK")); // in order
    expect(text).toMatch(/"completion_tokens":4/);
    const metrics = await (await fetch(`${sim.url}/metrics`)).text();
    expect(metrics).toMatch(/^vllm:request_success_total\{[^}]*finished_reason="length"[^}]*\} 2$/m);
    expect(metrics).toMatch(/^vllm:request_success_total\{[^}]*finished_reason="abort"[^}]*\} 0$/m);
  });
});
