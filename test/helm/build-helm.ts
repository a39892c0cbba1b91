/**
 * Builds the real `helm` the chart tests run — helm.sh/helm/v4's cmd/helm at the version pins.ts names — from the
 * Go module proxy, once, into a cache that survives between runs (as ../kube-control-plane/build.ts does for kcp):
 *
 *   ~/.cache/kneepoint-test/helm/<hash>/helm        ($KNEEPOINT_TEST_CACHE/helm/<hash>/helm when set)
 *
 * <hash> covers the module, the version and the build flags. A marker written after the build and a smoke run
 * (`helm version` reporting the pinned version) makes a warm call a stat() and a read: no go invocation.
 *
 *   npx tsx test/helm/build-helm.ts [--force]      (make test-helm; exit 3 when it cannot be built)
 *
 * The build runs under `nice -n 19` with GOFLAGS=-p=1 (this machine has 2 cores shared with other test runs);
 * KNEEPOINT_HELM_BUILD_JOBS=N overrides -p. About 4-6 min on 2 cores the first time.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { peersSkipped, testCacheDir } from "../real-peers/peers.ts";
import { tail } from "../parity/run-child.ts";
import { run, withBuildLock } from "../tools/go-build.ts";
import { HELM_LABEL, HELM_MODULE, HELM_VERSION } from "./pins.ts";

/**
 * What helm's own Makefile stamps for a release build (-X …/internal/version.*): without the version, `helm version`
 * says v4.3 and charts' `kubeVersion`/Capabilities checks see a different Helm. CGO off, as its Makefile builds it.
 */
const LDFLAGS = [
  "-s -w",
  `-X ${HELM_MODULE}/internal/version.version=${HELM_VERSION}`,
  `-X ${HELM_MODULE}/internal/version.metadata=`,
  `-X ${HELM_MODULE}/internal/version.gitTreeState=clean`,
].join(" ");
const PACKAGE = `${HELM_MODULE}/cmd/helm@${HELM_VERSION}`;
const BUILD_ARGS = ["install", "-trimpath", "-ldflags", LDFLAGS, PACKAGE];

export class HelmBuildError extends Error {
  override name = "HelmBuildError";
}

export function helmBuildHash(): string {
  const h = createHash("sha256");
  h.update(`${process.platform}/${process.arch}\nCGO_ENABLED=0\n${BUILD_ARGS.join(" ")}\n`);
  return h.digest("hex").slice(0, 16);
}

function helmDir(hash = helmBuildHash()): string {
  return join(testCacheDir(), "helm", hash);
}

export function helmBinaryPath(hash = helmBuildHash()): string {
  return join(helmDir(hash), "helm");
}

function markerPath(hash: string): string {
  return join(helmDir(hash), ".kneepoint-built.json");
}

interface Marker {
  hash: string;
  helm: string;
  go: string;
  builtAt: string;
  buildSeconds: number;
  bytes: number;
}

/** True when the binary for the current pins is in the cache (marker written after a passing smoke run). */
export function isHelmBuilt(hash = helmBuildHash()): boolean {
  try {
    const m = JSON.parse(readFileSync(markerPath(hash), "utf8")) as Marker;
    return m.hash === hash && m.helm === HELM_VERSION && existsSync(helmBinaryPath(hash));
  } catch {
    return false;
  }
}



export interface HelmBuildOptions {
  force?: boolean;
  /** go build -p. Default KNEEPOINT_HELM_BUILD_JOBS or 1. */
  jobs?: number;
  log?: (line: string) => void;
}

/**
 * The path of the cached `helm`, building it first when the cache has none for the current pins. Throws
 * HelmBuildError with the end of go's output when it cannot.
 */
export async function buildHelm(opts: HelmBuildOptions = {}): Promise<string> {
  const hash = helmBuildHash();
  const bin = helmBinaryPath(hash);
  if (!opts.force && isHelmBuilt(hash)) return bin;
  const log = opts.log ?? ((s: string) => console.log(s));
  return withBuildLock(join(testCacheDir(), "helm"), hash, "helm", async () => {
    if (!opts.force && isHelmBuilt(hash)) return bin; // built by whoever held the lock
    const goVersion = await run("go", ["version"]);
    if (goVersion.code !== 0) {
      throw new HelmBuildError(
        `${HELM_LABEL}: needs the \`go\` command (Go >= 1.26) and the Go module proxy to build, and \`go version\` failed:\n${tail(goVersion.stderr || goVersion.stdout, 25)}\nInstall Go 1.26 (https://go.dev/dl/) and run \`make test-helm\` again.`,
      );
    }
    const jobs = opts.jobs ?? (Number(process.env.KNEEPOINT_HELM_BUILD_JOBS) || 1);
    const dir = helmDir(hash);
    const gobin = join(dir, `gobin.tmp-${process.pid}`);
    await mkdir(gobin, { recursive: true });
    const started = Date.now();
    log(`building ${HELM_LABEL} with ${goVersion.stdout.trim()} (-p=${jobs}, nice 19) into ${dir} — about 4-6 min on 2 cores the first time …`);
    // GOFLAGS and GOPROXY as the machine has them; `go install pkg@version` uses the module's own go.mod and go.sum.
    const env = { ...process.env, CGO_ENABLED: "0", GOBIN: gobin, GOFLAGS: `${process.env.GOFLAGS ?? ""} -mod=readonly -p=${jobs}`.trim() };
    const haveNice = (await run("nice", ["-n", "19", "true"])).code === 0;
    // Outside any module: the working directory's go.mod, if it had one, must not take part.
    const build = haveNice ? await run("nice", ["-n", "19", "go", ...BUILD_ARGS], { cwd: dir, env }) : await run("go", BUILD_ARGS, { cwd: dir, env });
    if (build.code !== 0) {
      await rm(gobin, { recursive: true, force: true });
      throw new HelmBuildError(`${HELM_LABEL}: \`go ${BUILD_ARGS.join(" ")}\` failed after ${((Date.now() - started) / 1000).toFixed(0)} s; go's stderr ends:\n${tail(build.stderr, 25)}`);
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    const tmp = join(gobin, "helm");
    const smoke = await run(tmp, ["version", "--template", "{{ .Version }}"], { env: { ...process.env, HELM_CONFIG_HOME: gobin, HELM_CACHE_HOME: gobin, HELM_DATA_HOME: gobin } });
    if (smoke.code !== 0 || smoke.stdout.trim() !== HELM_VERSION) {
      throw new HelmBuildError(`${HELM_LABEL}: built, but \`helm version\` does not report ${HELM_VERSION}:\n${tail(smoke.stdout + smoke.stderr, 25)}`);
    }
    await rename(tmp, bin);
    await rm(gobin, { recursive: true, force: true });
    const bytes = statSync(bin).size;
    const marker: Marker = { hash, helm: HELM_VERSION, go: goVersion.stdout.trim(), builtAt: new Date().toISOString(), buildSeconds: seconds, bytes };
    await writeFile(markerPath(hash), `${JSON.stringify(marker, null, 2)}\n`);
    log(`built helm in ${seconds} s: ${bin} (${(bytes / 2 ** 20).toFixed(0)} MiB)`);
    return bin;
  }, log);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { force: { type: "boolean", default: false } } });
  if (peersSkipped()) {
    console.warn("KNEEPOINT_TEST_PEERS=skip: not building helm; the chart tests will skip");
    return;
  }
  const started = Date.now();
  try {
    const bin = await buildHelm({ force: values.force });
    const ms = Date.now() - started;
    if (ms < 1000) console.log(`helm is built (${bin}; ${ms} ms to check)`);
  } catch (err) {
    console.error(`\nthe chart tests need the real helm, and it could not be built:\n\n${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 3;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
