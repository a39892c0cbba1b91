/**
 * Builds the test control plane — one multi-call Go binary `kcp` holding kube-apiserver, kube-controller-manager,
 * kube-scheduler (k8s.io/kubernetes) and etcd (go.etcd.io/etcd/server/v3), pinned in go/go.mod — from the Go
 * module proxy, once, into a cache that survives between runs:
 *
 *   ~/.cache/kneepoint-test/kcp/<hash>/kcp        ($KNEEPOINT_TEST_CACHE/kcp/<hash>/kcp when set)
 *
 * <hash> covers go/go.mod, go/go.sum, go/*.go and the build flags, so changing a pin builds a new binary next to
 * the old one. A marker file written after the build and a smoke run (`kcp version`) make a warm call a couple of
 * stat()s and a read: no go invocation. A build that fails names the component and ends with go's stderr tail.
 *
 *   npx tsx test/kube-control-plane/build.ts [--force] [--jobs N]     (exit 3 when it cannot be built)
 *
 * The build runs under `nice -n 19` with GOFLAGS=-p=1 (one package at a time; the compiler still uses 2 cores for
 * big packages): this machine has 2 cores shared with other test runs. KNEEPOINT_KCP_BUILD_JOBS=N overrides -p.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { peersSkipped, testCacheDir } from "../real-peers/peers.ts";
import { CONTROL_PLANE_LABEL, ETCD_VERSION, KUBERNETES_VERSION } from "./pins.ts";
import { tail } from "../parity/run-child.ts";
import { run, withBuildLock } from "../tools/go-build.ts";

/** The Go module that defines the binary (go.mod, go.sum, main.go). */
export const GO_SOURCE_DIR = fileURLToPath(new URL("./go/", import.meta.url));

/**
 * -s -w: no symbol table or DWARF. The -X flags are what Kubernetes' own build (hack/lib/version.sh) stamps:
 * without them the components report v0.0.0-master to /version, kubectl and client-go.
 */
const [, MAJOR = "1", MINOR = "0"] = /^v(\d+)\.(\d+)\./.exec(KUBERNETES_VERSION) ?? [];
const LDFLAGS = [
  "-s -w",
  ...Object.entries({ gitVersion: KUBERNETES_VERSION, gitMajor: MAJOR, gitMinor: MINOR, gitTreeState: "clean" }).flatMap(([k, v]) =>
    ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].map((pkg) => `-X ${pkg}.${k}=${v}`),
  ),
].join(" ");
const BUILD_ARGS = ["build", "-trimpath", "-ldflags", LDFLAGS, "-o"];

export class ControlPlaneBuildError extends Error {
  override name = "ControlPlaneBuildError";
}

function sourceFiles(): string[] {
  return ["go.mod", "go.sum", ...readdirSync(GO_SOURCE_DIR).filter((f) => f.endsWith(".go")).sort()];
}

/** What the cached binary is built from: the sources and the flags (not -p, which cannot change the output). */
export function buildHash(): string {
  const h = createHash("sha256");
  h.update(`${process.platform}/${process.arch}\n${BUILD_ARGS.join(" ")}\n`);
  for (const f of sourceFiles()) h.update(`${f}\n`).update(readFileSync(join(GO_SOURCE_DIR, f))).update("\n");
  return h.digest("hex").slice(0, 16);
}

export function kcpDir(hash = buildHash()): string {
  return join(testCacheDir(), "kcp", hash);
}

export function kcpBinaryPath(hash = buildHash()): string {
  return join(kcpDir(hash), "kcp");
}

function markerPath(hash: string): string {
  return join(kcpDir(hash), ".kneepoint-built.json");
}

interface Marker {
  hash: string;
  kubernetes: string;
  etcd: string;
  go: string;
  builtAt: string;
  buildSeconds: number;
  bytes: number;
}

function readMarker(hash: string): Marker | undefined {
  try {
    const m = JSON.parse(readFileSync(markerPath(hash), "utf8")) as Marker;
    return m.hash === hash && m.kubernetes === KUBERNETES_VERSION && m.etcd === ETCD_VERSION ? m : undefined;
  } catch {
    return undefined;
  }
}

/** True when the binary for the current sources is in the cache (marker written after a passing smoke run). */
export function isControlPlaneBuilt(hash = buildHash()): boolean {
  return readMarker(hash) !== undefined && existsSync(kcpBinaryPath(hash));
}


export { tail };


export interface BuildOptions {
  /** Build even when the cached binary is there. */
  force?: boolean;
  /** go build -p (packages built at once). Default KNEEPOINT_KCP_BUILD_JOBS or 1. */
  jobs?: number;
  log?: (line: string) => void;
}

/**
 * The path of the cached `kcp` binary, building it first when the cache does not hold one for the current
 * sources. Throws ControlPlaneBuildError naming the component and the end of go's output when it cannot.
 */
export async function buildControlPlane(opts: BuildOptions = {}): Promise<string> {
  const hash = buildHash();
  const bin = kcpBinaryPath(hash);
  if (!opts.force && isControlPlaneBuilt(hash)) return bin;
  const log = opts.log ?? ((s: string) => console.log(s));
  return withBuildLock(join(testCacheDir(), "kcp"), hash, "kcp", async () => {
    if (!opts.force && isControlPlaneBuilt(hash)) return bin; // built by whoever held the lock
    const goVersion = await run("go", ["version"]);
    if (goVersion.code !== 0) {
      throw new ControlPlaneBuildError(
        `${CONTROL_PLANE_LABEL}: needs the \`go\` command (Go >= 1.26) and the Go module proxy to build, and \`go version\` failed:\n${tail(goVersion.stderr || goVersion.stdout, 25)}\nInstall Go 1.26 (https://go.dev/dl/) and run \`npx tsx test/kube-control-plane/build.ts\` again.`,
      );
    }
    const jobs = opts.jobs ?? (Number(process.env.KNEEPOINT_KCP_BUILD_JOBS) || 1);
    const dir = kcpDir(hash);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `kcp.tmp-${process.pid}`);
    const started = Date.now();
    log(`building ${CONTROL_PLANE_LABEL} with ${goVersion.stdout.trim()} (-p=${jobs}, nice 19) into ${dir} — about 8-12 min on 2 cores the first time (2.3 GiB memory, 3.4 GiB of Go caches) …`);
    const env = { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ""} -mod=readonly -p=${jobs}`.trim() };
    const haveNice = (await run("nice", ["-n", "19", "true"])).code === 0;
    const goArgs = [...BUILD_ARGS, tmp, "."];
    const build = haveNice ? await run("nice", ["-n", "19", "go", ...goArgs], { cwd: GO_SOURCE_DIR, env }) : await run("go", goArgs, { cwd: GO_SOURCE_DIR, env });
    if (build.code !== 0) {
      await rm(tmp, { force: true });
      // go prints "# <package>" before a package's compile errors: name the component that package belongs to.
      const pkg = /^# (\S+)/m.exec(build.stderr)?.[1];
      const component = !pkg
        ? "the module graph (go.mod/go.sum)"
        : pkg.startsWith("go.etcd.io/")
          ? `etcd (${pkg})`
          : /kube-scheduler|scheduler/.test(pkg)
            ? `kube-scheduler (${pkg})`
            : /controller/.test(pkg)
              ? `kube-controller-manager (${pkg})`
              : pkg.startsWith("k8s.io/") ? `Kubernetes (${pkg})` : `the kcp main package (${pkg})`;
      throw new ControlPlaneBuildError(
        `${CONTROL_PLANE_LABEL}: \`go ${goArgs.join(" ")}\` in ${GO_SOURCE_DIR} failed after ${((Date.now() - started) / 1000).toFixed(0)} s in ${component}; go's stderr ends:\n${tail(build.stderr, 25)}`,
      );
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    const smoke = await run(tmp, ["version"]);
    const missing = [`k8s.io/kubernetes ${KUBERNETES_VERSION}`, `go.etcd.io/etcd/server/v3 ${ETCD_VERSION}`].filter((v) => !smoke.stdout.includes(v));
    if (smoke.code !== 0 || missing.length) {
      throw new ControlPlaneBuildError(`${CONTROL_PLANE_LABEL}: built, but \`kcp version\` does not report ${missing.join(", ") || "its versions"}:\n${tail(smoke.stdout + smoke.stderr, 25)}`);
    }
    await rename(tmp, bin);
    const bytes = statSync(bin).size;
    const marker: Marker = { hash, kubernetes: KUBERNETES_VERSION, etcd: ETCD_VERSION, go: goVersion.stdout.trim(), builtAt: new Date().toISOString(), buildSeconds: seconds, bytes };
    await writeFile(markerPath(hash), `${JSON.stringify(marker, null, 2)}\n`);
    log(`built kcp in ${seconds} s: ${bin} (${(bytes / 2 ** 20).toFixed(0)} MiB)`);
    return bin;
  }, log);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { force: { type: "boolean", default: false }, jobs: { type: "string" } } });
  if (peersSkipped()) {
    console.warn("KNEEPOINT_TEST_PEERS=skip: not building the test control plane; the tests against it will skip");
    return;
  }
  const started = Date.now();
  try {
    const bin = await buildControlPlane({ force: values.force, ...(values.jobs ? { jobs: Number(values.jobs) } : {}) });
    const ms = Date.now() - started;
    if (ms < 1000) console.log(`kcp is built (${bin}; ${ms} ms to check)`);
  } catch (err) {
    console.error(`\nthe tests need a real Kubernetes control plane, and it could not be built:\n\n${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 3;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
