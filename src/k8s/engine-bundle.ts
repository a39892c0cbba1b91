/**
 * The native engine for the cluster (ENGINE=native): src/cli/in-cluster-main.ts bundled by esbuild into one ES
 * module, gzipped, and carried in a ConfigMap's binaryData, so a stock `node` image runs it and nothing has to
 * be built or pushed. Gzip keeps it well under the 1 MiB a ConfigMap may hold (the plain bundle is ~0.9 MB).
 * The charts' renderers (vega, resvg's native addon) stay out: the Job runs with --no-charts.
 */
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { EnvironmentError } from "../errors.ts";

/** The file name inside the ConfigMap, and so inside the mounted directory. */
export const BUNDLE_KEY = "kneepoint.mjs.gz";
/** A ConfigMap holds at most 1 MiB (etcd's value limit, enforced by the API server). */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

const ENTRY = fileURLToPath(new URL("../cli/in-cluster-main.ts", import.meta.url));

/**
 * The charts and the HTML report are imported dynamically (report-run.ts), only when they are rendered; the Job
 * runs with --no-charts, so those imports stay unresolved in the bundle instead of pulling in vega and resvg.
 */
const leaveOutCharts: Plugin = {
  name: "leave-out-charts",
  setup(b) {
    b.onResolve({ filter: /report\/(charts|html)\// }, (args) => (args.kind === "dynamic-import" ? { path: args.path, external: true } : undefined));
  },
};

export interface EngineBundle {
  /** The gzipped ES module. */
  gzipped: Buffer;
  /** Size before gzip, for the progress line. */
  plainBytes: number;
}

export async function buildEngineBundle(): Promise<EngineBundle> {
  let code: Uint8Array;
  try {
    const out = await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      minify: true,
      write: false,
      logLevel: "silent",
      plugins: [leaveOutCharts],
      // Some dependencies are CommonJS and call require(); an ES module has none of its own.
      banner: { js: 'import{createRequire as __kpRequire}from"node:module";const require=__kpRequire(import.meta.url);' },
    });
    code = out.outputFiles[0]!.contents;
  } catch (err) {
    const first = (err as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors?.[0];
    const detail = first ? `${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ""}` : (err as Error).message.split("\n")[0];
    throw new EnvironmentError(`could not bundle the native engine: ${detail}`, "run `npm ci` in the repository, then retry");
  }
  const gzipped = gzipSync(code, { level: 9 });
  if (gzipped.length > CONFIGMAP_LIMIT_BYTES * 0.9) {
    throw new EnvironmentError(`the native engine bundle is ${gzipped.length} bytes gzipped, too close to a ConfigMap's 1 MiB`, "use ENGINE=vllm, and report this as a bug");
  }
  return { gzipped, plainBytes: code.length };
}
