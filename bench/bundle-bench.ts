/**
 * The native engine's in-cluster bundle (ENGINE=native): its size before and after gzip against a ConfigMap's
 * 1 MiB, and how long esbuild takes to build it (the runner builds it on every `make bench ENGINE=native`); and
 * the optional clients' bundle (kneepoint-engine-buckets: bucket SDKs, undici for TLS client certificates).
 *   npm run bench:bundle
 */
import { buildBucketsBundle, buildEngineBundle, CONFIGMAP_LIMIT_BYTES } from "../src/k8s/engine-bundle.ts";

const runs: number[] = [];
let last = await buildEngineBundle(); // the first build also loads esbuild's service: not counted
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  last = await buildEngineBundle();
  runs.push(performance.now() - t);
}
runs.sort((a, b) => a - b);
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const size = (name: string, b: { plainBytes: number; gzipped: Buffer }) =>
  console.log(`${name}: ${kib(b.plainBytes)} plain, ${b.gzipped.length} bytes (${kib(b.gzipped.length)}) gzipped = ${((100 * b.gzipped.length) / CONFIGMAP_LIMIT_BYTES).toFixed(0)} % of a ConfigMap's 1 MiB`);
size("bundle", last);
size("optional clients' bundle", await buildBucketsBundle());
console.log(`build + gzip: median ${runs[2]!.toFixed(0)} ms, min ${runs[0]!.toFixed(0)} ms, max ${runs[4]!.toFixed(0)} ms (5 builds after a warm-up)`);
