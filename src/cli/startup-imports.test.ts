/**
 * Every `kneepoint` process (the CLI, each `kneepoint sim`, the bench's and scenario's local runs) pays for the
 * modules its entry imports statically before it does anything. The Kubernetes client and schemas, the cloud SDKs,
 * esbuild, undici and the chart renderers are about 1.7 s of that on a laptop core, and only a few commands use them,
 * so those commands import them when they run (dynamic import()). This test keeps it so: it walks main.ts's static
 * import graph, as esbuild resolves it, and names the chain that pulls a heavy package back in.
 * bench/cli-startup-bench.ts prints what this saves.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Packages no command needs before it runs: loaded by the commands that use them. */
const LAZY = ["@kubernetes/client-node", "kubernetes-models", "@aws-sdk/client-s3", "@google-cloud/storage", "esbuild", "undici", "vega", "vega-lite", "@resvg/resvg-js"];

/** External packages main.ts reaches through static imports, each with the chain of modules that reaches it. */
async function staticPackages(entry: string): Promise<Map<string, string[]>> {
  const result = await build({ entryPoints: [entry], absWorkingDir: ROOT, bundle: true, platform: "node", format: "esm", write: false, metafile: true, outfile: "out.js", packages: "external", logLevel: "silent" });
  const inputs = result.metafile.inputs;
  const via = new Map<string, string>();
  const seen = new Set([entry]);
  const queue = [entry];
  const found = new Map<string, string[]>();
  const chain = (f: string) => {
    const c = [f];
    while (via.has(c[0]!)) c.unshift(via.get(c[0]!)!);
    return c;
  };
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const imp of inputs[file]?.imports ?? []) {
      if (imp.kind !== "import-statement") continue;
      if (imp.external) {
        if (!found.has(imp.path)) found.set(imp.path, chain(file));
      } else if (!seen.has(imp.path)) {
        seen.add(imp.path);
        via.set(imp.path, file);
        queue.push(imp.path);
      }
    }
  }
  return found;
}

const packageOf = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

describe("the CLI's start-up imports", () => {
  it("main.ts reaches none of the heavy packages statically; the commands that need them import them when they run", async () => {
    const found = await staticPackages("src/cli/main.ts");
    // The walk itself works: the packages every command needs are found, with their chains.
    expect(found.get("commander")).toEqual(["src/cli/main.ts"]);
    expect(found.get("zod")?.[0]).toBe("src/cli/main.ts");
    const heavy = [...found].filter(([p]) => LAZY.includes(packageOf(p))).map(([p, c]) => `${p} via ${c.join(" > ")}`);
    expect(heavy).toEqual([]);
  });

  it("the cluster commands still reach the Kubernetes client, through the modules they import when they run", async () => {
    for (const entry of ["src/cli/vllm-server-actions.ts", "src/cli/run-cluster-bench.ts", "src/cli/capacity-cluster-run.ts", "src/cli/run-cluster-scenario-buckets.ts"]) {
      expect([...(await staticPackages(entry)).keys()].map(packageOf), entry).toContain("@kubernetes/client-node");
    }
  });
});
