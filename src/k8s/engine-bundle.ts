/**
 * The native engine for the cluster (ENGINE=native): src/cli/in-cluster-main.ts bundled by esbuild into one ES
 * module, gzipped, and carried in a ConfigMap's binaryData, so a stock `node` image runs it and nothing has to
 * be built or pushed. Gzip keeps it well under the 1 MiB a ConfigMap may hold (the plain bundle is ~1.6 MB).
 * The charts' renderers (vega, resvg's native addon) stay out: the Job runs with --no-charts.
 * The bucket clients of `run` (storage.simple_storage_service / google_cloud_storage: the AWS and Google SDKs, about
 * as big again as the engine) and undici (for a TLS client certificate on fetch()) are a second bundle in a second
 * ConfigMap (BUCKETS_CONFIGMAP), loaded only when a config stores to a bucket or sets server.cert_path
 * (scenario-job-bucket-loader.ts), so both stay far from the limit.
 */
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { EnvironmentError } from "../errors.ts";

/** The file name inside the ConfigMap, and so inside the mounted directory. */
export const BUNDLE_KEY = "kneepoint.mjs.gz";
/** A ConfigMap holds at most 1 MiB (etcd's value limit, enforced by the API server). */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

const ENTRY = fileURLToPath(new URL("../cli/in-cluster-main.ts", import.meta.url));
const BUCKETS_ENTRY = fileURLToPath(new URL("./scenario-job-buckets.ts", import.meta.url));
const BUCKET_LOADER = fileURLToPath(new URL("./scenario-job-bucket-loader.ts", import.meta.url));

/** The ConfigMap with the bucket clients' bundle, and its key (mounted at BUCKETS_MOUNT, optional in every Job). */
export { BUCKETS_CONFIGMAP, BUCKETS_KEY, BUCKETS_MOUNT } from "./scenario-job-bundle-names.ts";

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

/**
 * `run`'s charts (run-scenario-charts.ts) import the comparison report's writer, and with it vega and resvg; the Job
 * runs `run --no-charts`, so the module is replaced by one that says why there are no charts.
 */
const stubRunCharts: Plugin = {
  name: "stub-run-charts",
  setup(b) {
    b.onResolve({ filter: /\/run-scenario-charts\.ts$/ }, () => ({ path: "run-scenario-charts", namespace: "kneepoint-stub" }));
    b.onLoad({ filter: /.*/, namespace: "kneepoint-stub" }, () => ({
      contents: 'export async function renderRunCharts(){return {rendered:false,reason:"the in-cluster engine renders no charts: the runner renders them from the collected reports"}}',
      loader: "js",
    }));
  },
};

/**
 * The bucket uploads (storage/s3-storage.ts, gcs-storage.ts) become calls through scenario-job-bucket-loader.ts,
 * which loads the second bundle on the first upload; the SDKs stay out of this one.
 */
const bucketsOnDemand: Plugin = {
  name: "buckets-on-demand",
  setup(b) {
    b.onResolve({ filter: /\/storage\/(s3|gcs)-storage\.ts$/ }, (args) => ({ path: /s3-storage/.test(args.path) ? "s3" : "gcs", namespace: "kneepoint-buckets" }));
    b.onLoad({ filter: /.*/, namespace: "kneepoint-buckets" }, (args) => {
      const fn = args.path === "s3" ? "uploadS3Reports" : "uploadGcsReports";
      return {
        contents: `import { loadBucketClients } from ${JSON.stringify(BUCKET_LOADER)};\nexport async function ${fn}(...a) { return (await loadBucketClients()).${fn}(...a); }\n`,
        loader: "js",
        resolveDir: dirname(BUCKET_LOADER),
      };
    });
  },
};

/**
 * The client certificate on fetch() (client-certificate-fetch.ts) needs undici, about a third of this bundle: it
 * comes from the optional clients' bundle too, loaded when a config sets server.cert_path.
 */
const clientCertificateOnDemand: Plugin = {
  name: "client-certificate-on-demand",
  setup(b) {
    b.onResolve({ filter: /\/engine\/client-certificate-fetch\.ts$/ }, () => ({ path: "client-certificate-fetch", namespace: "kneepoint-on-demand" }));
    b.onLoad({ filter: /.*/, namespace: "kneepoint-on-demand" }, () => ({
      contents: `import { loadBucketClients } from ${JSON.stringify(BUCKET_LOADER)};\nexport async function useClientCertificateForFetch(c) { return (await loadBucketClients("the config sets server.cert_path (a TLS client certificate)")).useClientCertificateForFetch(c); }\n`,
      loader: "js",
      resolveDir: dirname(BUCKET_LOADER),
    }));
  },
};

/** Some dependencies are CommonJS and call require(); an ES module has none of its own. */
const REQUIRE_BANNER = 'import{createRequire as __kpRequire}from"node:module";const require=__kpRequire(import.meta.url);';

/**
 * `run`'s synthetic data reads its default corpus (assets/corpus/sonnets.txt) from a path next to the source, which
 * a bundle in a pod does not have: the text is put in the bundle and returned for that path. A change to the
 * function it patches fails the build here, not a Job later.
 */
const CORPUS_SOURCE = fileURLToPath(new URL("../scenarios/data/create-request-source.ts", import.meta.url));
const CORPUS_FILE = fileURLToPath(new URL("../../assets/corpus/sonnets.txt", import.meta.url));
const READ_CORPUS = "async function readCorpus(path: string): Promise<string> {";
const inlineDefaultCorpus: Plugin = {
  name: "inline-default-corpus",
  setup(b) {
    b.onLoad({ filter: /\/scenarios\/data\/create-request-source\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (args.path !== CORPUS_SOURCE || !source.includes(READ_CORPUS) || !source.includes("DEFAULT_CORPUS_PATH")) {
        return { errors: [{ text: `engine-bundle.ts cannot put the default corpus in the bundle: ${args.path} no longer has \`${READ_CORPUS}\` and DEFAULT_CORPUS_PATH; update inlineDefaultCorpus` }] };
      }
      const corpus = JSON.stringify(await readFile(CORPUS_FILE, "utf8"));
      return { contents: source.replace(READ_CORPUS, `${READ_CORPUS}\n  if (path === DEFAULT_CORPUS_PATH) return ${corpus};`), loader: "ts" };
    });
  },
};

/** `run --in-cluster` and `--collect` (run-cluster-scenario.ts, with the Kubernetes client) are imported on demand only. */
const leaveOutClusterRunner: Plugin = {
  name: "leave-out-cluster-runner",
  setup(b) {
    b.onResolve({ filter: /\/run-cluster-scenario\.ts$/ }, (args) => (args.kind === "dynamic-import" ? { path: args.path, external: true } : undefined));
  },
};

export interface EngineBundle {
  /** The gzipped ES module. */
  gzipped: Buffer;
  /** Size before gzip, for the progress line. */
  plainBytes: number;
}

export function buildEngineBundle(): Promise<EngineBundle> {
  return bundle(ENTRY, [leaveOutCharts, leaveOutClusterRunner, stubRunCharts, bucketsOnDemand, clientCertificateOnDemand, inlineDefaultCorpus], "the native engine");
}

/** The bucket clients (scenario-job-buckets.ts with the AWS and Google SDKs), for BUCKETS_CONFIGMAP. */
export function buildBucketsBundle(): Promise<EngineBundle> {
  return bundle(BUCKETS_ENTRY, [], "the bucket clients");
}

async function bundle(entry: string, plugins: Plugin[], what: string): Promise<EngineBundle> {
  let code: Uint8Array;
  try {
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      minify: true,
      write: false,
      logLevel: "silent",
      // Smaller, same code: no license banners (the bundle is not redistributed), UTF-8 text kept as it is, not \u-escaped.
      legalComments: "none",
      charset: "utf8",
      plugins,
      banner: { js: REQUIRE_BANNER },
    });
    code = out.outputFiles[0]!.contents;
  } catch (err) {
    const first = (err as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors?.[0];
    const detail = first ? `${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ""}` : (err as Error).message.split("\n")[0];
    throw new EnvironmentError(`could not bundle ${what}: ${detail}`, "run `npm ci` in the repository, then retry");
  }
  const gzipped = gzipSync(code, { level: 9 });
  if (gzipped.length > CONFIGMAP_LIMIT_BYTES * 0.9) {
    throw new EnvironmentError(`the bundle of ${what} is ${gzipped.length} bytes gzipped, too close to a ConfigMap's 1 MiB`, "use ENGINE=vllm, and report this as a bug");
  }
  return { gzipped, plainBytes: code.length };
}
