/**
 * Installs the real components the tests run against (test/real-peers/pins.ts), once, into a cache that
 * survives between runs: `make test` runs this before vitest, so a fresh machine gets everything and a warm
 * one pays a few stat() calls. A peer that cannot be installed fails the run with which and why.
 *
 *   npx tsx test/real-peers/install-peers.ts [--force]
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pickPython, type Python } from "./pick-python.ts";
import { PYTHON_PEERS, type PythonPeer, type PythonPeerId } from "./pins.ts";
import { constraintsPath, isInstalled, markerContent, markerPath, peersSkipped, venvDir } from "./peers.ts";
import { tail } from "../parity/run-child.ts";


interface Outcome {
  code: number | null;
  output: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", (err) => resolve({ code: -1, output: String(err) }));
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** Every Python 3 interpreter on PATH or under pyenv, with its version. */
async function findPythons(): Promise<Python[]> {
  const candidates = new Set<string>();
  for (const name of ["python3.14", "python3.13", "python3.12", "python3.11", "python3"]) {
    for (const dir of (process.env.PATH ?? "").split(":")) {
      if (dir && !dir.includes(".pyenv/shims") && existsSync(join(dir, name))) candidates.add(join(dir, name));
    }
  }
  const pyenvRoot = process.env.PYENV_ROOT ?? join(homedir(), ".pyenv");
  const versionsDir = join(pyenvRoot, "versions");
  if (existsSync(versionsDir)) {
    for (const v of readdirSync(versionsDir)) {
      const p = join(versionsDir, v, "bin", "python3");
      if (existsSync(p)) candidates.add(p);
    }
  }
  const found: Python[] = [];
  for (const path of candidates) {
    const out = await run(path, ["-c", "import sys, venv, ssl; print('%d.%d.%d' % sys.version_info[:3])"]);
    const m = /^(\d+)\.(\d+)\.(\d+)/.exec(out.output.trim());
    if (out.code === 0 && m) found.push({ path, version: [Number(m[1]), Number(m[2]), Number(m[3])] });
  }
  return found;
}


async function installPeer(peer: PythonPeer, python: Python): Promise<void> {
  const id = peer.id as PythonPeerId;
  const dir = venvDir(id);
  const started = Date.now();
  const label = `${peer.requirements.join(" ")} (Python ${python.version.join(".")})`;
  console.log(`installing ${label} into ${dir} …`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const venv = await run(python.path, ["-m", "venv", dir]);
  if (venv.code !== 0) throw new Error(`${peer.id}: \`${python.path} -m venv\` failed:\n${tail(venv.output)}`);
  const pip = await run(join(dir, "bin", "python"), ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q", "-c", constraintsPath(id), ...peer.requirements], {
    ...process.env,
    PIP_NO_INPUT: "1",
  });
  if (pip.code !== 0) throw new Error(`${peer.id}: pip install ${peer.requirements.join(" ")} failed:\n${tail(pip.output)}`);
  const smoke = await run(join(dir, "bin", peer.smokeBin), ["--help"]);
  if (smoke.code !== 0) throw new Error(`${peer.id}: installed, but \`${peer.smokeBin} --help\` fails:\n${tail(smoke.output)}`);
  await writeFile(markerPath(id), markerContent(id));
  console.log(`installed ${label} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Runs the installs two at a time (this machine has two cores; pip is mostly network and unzip). */
async function installAll(todo: PythonPeer[], pythons: Python[]): Promise<string[]> {
  const errors: string[] = [];
  const queue = [...todo];
  const worker = async () => {
    for (let peer = queue.shift(); peer; peer = queue.shift()) {
      const python = pickPython(pythons, [...peer.minPython]);
      if (!python) {
        const seen = pythons.map((p) => `${p.path} (${p.version.join(".")})`).join(", ") || "none";
        errors.push(`${peer.id} needs Python >= ${peer.minPython.join(".")}; found: ${seen}. Install one (e.g. pyenv install 3.12) and run again.`);
        continue;
      }
      try {
        await installPeer(peer, python);
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return errors;
}

const commandExists = async (cmd: string) => (await run("sh", ["-c", `command -v ${cmd}`])).code === 0;

/**
 * A Debian package the tests run for real, installed with apt-get where this runs as root on Debian (CI, these
 * machines); elsewhere the message says what to install. `present` says whether it is already there.
 */
async function ensureDebianPackage(pkg: string, present: () => Promise<boolean> | boolean, missing: string): Promise<string | null> {
  if (await present()) return null;
  const root = process.getuid?.() === 0;
  if (!root || !(await commandExists("apt-get"))) return `${pkg}: ${missing}`;
  console.log(`installing Debian's ${pkg} package (apt-get) …`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = await run("apt-get", ["update", "-qq"], env);
  if (update.code !== 0) return `${pkg}: apt-get update failed:\n${tail(update.output)}`;
  const install = await run("apt-get", ["install", "-y", "-qq", pkg], env);
  if (install.code !== 0) return `${pkg}: apt-get install ${pkg} failed:\n${tail(install.output)}`;
  return null;
}

/**
 * Prometheus and promtool for the server-metrics tests (Debian's package starts a service on :9090 where an init
 * system runs; the tests start their own on port 0); Chromium for the HTML report's browser test (playwright-core
 * downloads no browser of its own); the openssl CLI for the TLS client-certificate tests' throwaway certificates.
 */
const ensurePrometheus = () =>
  ensureDebianPackage(
    "prometheus",
    async () => (await commandExists("promtool")) && existsSync(process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus"),
    "Debian's `prometheus` package (prometheus and promtool) is missing: `sudo apt-get install prometheus`, or set PROMETHEUS_BIN and PROMTOOL",
  );
const ensureChromium = () =>
  ensureDebianPackage(
    "chromium",
    () => existsSync(process.env.KNEEPOINT_CHROMIUM ?? "/usr/bin/chromium"),
    "Debian's `chromium` package is missing (the HTML report's browser test needs it): `sudo apt-get install chromium`, or set KNEEPOINT_CHROMIUM to a Chromium binary",
  );
const ensureOpenssl = () =>
  ensureDebianPackage("openssl", () => commandExists("openssl"), "the openssl CLI is missing (the TLS client-certificate tests make certificates with it): `sudo apt-get install openssl`");

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { force: { type: "boolean", default: false } } });
  if (peersSkipped()) {
    console.warn("KNEEPOINT_TEST_PEERS=skip: not installing the real peers; the tests against them will skip");
    return;
  }
  const errors: string[] = [];
  const prometheus = await ensurePrometheus();
  if (prometheus) errors.push(prometheus);
  const chromium = await ensureChromium();
  if (chromium) errors.push(chromium);
  const openssl = await ensureOpenssl();
  if (openssl) errors.push(openssl);
  const peers = Object.values(PYTHON_PEERS) as PythonPeer[];
  const todo = peers.filter((p) => values.force || !isInstalled(p.id as PythonPeerId));
  if (todo.length) errors.push(...(await installAll(todo, await findPythons())));
  if (errors.length) {
    console.error(`\nthe tests need these real components, and they could not be installed:\n\n${errors.join("\n\n")}`);
    process.exitCode = 3;
  }
}

await main();
