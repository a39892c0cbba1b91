/**
 * kneepoint's Hub download (src/hub) against the Hub stand-in: the Hugging Face cache layout, one download then
 * the cache, HF_TOKEN as Bearer, resume after a cut download (Range), the checksum, HF_HUB_OFFLINE, and the
 * errors a user sees (401 with and without a token — never printing it —, 404, an unreachable endpoint).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KneepointError } from "../../src/errors.ts";
import { downloadHubFile, downloadOptionalHubFile, type DownloadProgress } from "../../src/hub/hub-download.ts";
import { formatDownloadProgress } from "../../src/hub/download-progress.ts";
import { readHubSettings } from "../../src/hub/hub-settings.ts";
import { startHubServer, type RunningHub } from "./hub-server.ts";

const BIG = Buffer.from(Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(""));
const SHA256 = createHash("sha256").update(BIG).digest("hex");
const SMALL = "{\"a\": 1}\n";
const repo = { type: "dataset" as const, id: "org/data" };
const gated = { type: "dataset" as const, id: "org/gated" };

let hub: RunningHub;
beforeAll(async () => {
  hub = await startHubServer([
    { type: "dataset", id: "org/data", files: { "big.bin": BIG, "dir/small.json": SMALL }, lfs: ["big.bin"] },
    { type: "dataset", id: "org/gated", files: { "x.json": SMALL }, gatedToken: "hf_right_token" },
    { type: "model", id: "org/cdn", files: { "big.bin": BIG }, lfs: ["big.bin"], lfsRedirect: true },
  ]);
});
afterAll(() => hub.close());

const settingsFor = (extra: Record<string, string> = {}) => {
  const home = mkdtempSync(join(tmpdir(), "kp-hubdl-"));
  return { home, settings: readHubSettings({ HF_ENDPOINT: hub.url, HF_HOME: home, ...extra }) };
};
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(KneepointError);
  return err as KneepointError;
};

describe("Hub download", () => {
  it("stores an LFS file as huggingface_hub does (blob by sha256, snapshot symlink, refs/main), then serves it from the cache", async () => {
    const { home, settings } = settingsFor({ HF_TOKEN: "hf_some_token" });
    const before = hub.requests.length;
    const file = await downloadHubFile({ repo, file: "big.bin" }, { settings });
    const commit = hub.commitOf("org/data");
    const folder = join(home, "hub", "datasets--org--data");
    expect(file).toEqual({ path: join(folder, "snapshots", commit, "big.bin"), commit });
    expect(readFileSync(file.path).equals(BIG)).toBe(true);
    expect(lstatSync(file.path).isSymbolicLink()).toBe(true);
    expect(readlinkSync(file.path)).toBe(join("..", "..", "blobs", SHA256));
    expect(readFileSync(join(folder, "refs", "main"), "utf8")).toBe(commit);
    const sent = hub.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(["HEAD /datasets/org/data/resolve/main/big.bin", "GET /datasets/org/data/resolve/main/big.bin"]);
    expect(sent.every((r) => r.authorization === "Bearer hf_some_token")).toBe(true);
    // Again: one HEAD (is main still that commit?), no GET. Offline: nothing at all.
    await downloadHubFile({ repo, file: "big.bin" }, { settings });
    expect(hub.requests.slice(before + 2).map((r) => r.method)).toEqual(["HEAD"]);
    const offline = await downloadHubFile({ repo, file: "big.bin" }, { settings: { ...settings, offline: true } });
    expect(offline.path).toBe(file.path);
    expect(hub.requests.length).toBe(before + 3);
  });

  it("two downloads of one file into one cache at once: one GET, both get the file; a dead owner's lock is taken over", async () => {
    const { home, settings } = settingsFor();
    const lockDir = join(home, "hub", ".locks", "datasets--org--data");
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, `${SHA256}.kneepoint.lock`), "2147483646"); // no such process
    const before = hub.requests.length;
    const [a, b] = await Promise.all([downloadHubFile({ repo, file: "big.bin" }, { settings }), downloadHubFile({ repo, file: "big.bin" }, { settings })]);
    expect(a).toEqual(b);
    expect(readFileSync(a.path).equals(BIG)).toBe(true);
    expect(hub.requests.slice(before).filter((r) => r.method === "GET")).toHaveLength(1);
    expect(existsSync(join(lockDir, `${SHA256}.kneepoint.lock`))).toBe(false);
  });

  it("an LFS file redirected to the CDN (another host): the token goes to the Hub only; a cut CDN download resumes", async () => {
    const { settings } = settingsFor({ HF_TOKEN: "hf_cdn_token" });
    hub.faults.cut = { file: "big.bin", afterBytes: 50_000 };
    const before = hub.requests.length;
    await failure(downloadHubFile({ repo: { type: "model", id: "org/cdn" }, file: "big.bin" }, { settings }));
    const file = await downloadHubFile({ repo: { type: "model", id: "org/cdn" }, file: "big.bin" }, { settings });
    expect(readFileSync(file.path).equals(BIG)).toBe(true);
    const sent = hub.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.authorization ?? "-"} ${r.range ?? "-"}`);
    expect(sent).toEqual([
      "HEAD /org/cdn/resolve/main/big.bin Bearer hf_cdn_token -",
      `GET cdn:/${SHA256} - -`,
      "HEAD /org/cdn/resolve/main/big.bin Bearer hf_cdn_token -",
      `GET cdn:/${SHA256} - bytes=50000-`,
    ]);
  });

  it("checks a git-tracked file against its git blob sha1, in a folder", async () => {
    const { settings } = settingsFor();
    const progress: DownloadProgress[] = [];
    const file = await downloadHubFile({ repo, file: "dir/small.json" }, { settings, onProgress: (p) => progress.push(p) });
    expect(progress).toEqual([]); // short: nothing to report
    expect(readFileSync(file.path, "utf8")).toBe(SMALL);
    expect(file.path.endsWith(join("dir", "small.json"))).toBe(true);
  });

  it("resumes a cut download with Range from where it stopped", async () => {
    const { home, settings } = settingsFor();
    hub.faults.cut = { file: "big.bin", afterBytes: 70_000 };
    const err = await failure(downloadHubFile({ repo, file: "big.bin" }, { settings }));
    expect(err.message).toMatch(/the download of big\.bin \(dataset org\/data\) from http:\/\/127\.0\.0\.1:\d+\/datasets\/org\/data\/resolve\/main\/big\.bin was cut after 70000 of 200000 bytes/);
    expect(err.hint).toMatch(/resumes/);
    const partial = join(home, "hub", "datasets--org--data", "blobs", `${SHA256}.incomplete`);
    expect(statSync(partial).size).toBe(70_000);
    const before = hub.requests.length;
    const progress: DownloadProgress[] = [];
    const file = await downloadHubFile({ repo, file: "big.bin" }, { settings, onProgress: (p) => progress.push(p), progressMinBytes: 100_000 });
    expect(hub.requests.slice(before).find((r) => r.method === "GET")?.range).toBe("bytes=70000-");
    expect(readFileSync(file.path).equals(BIG)).toBe(true);
    expect(existsSync(partial)).toBe(false);
    expect(progress[0]).toEqual({ file: "big.bin (dataset org/data)", receivedBytes: 70_000, totalBytes: 200_000, done: false });
    expect(progress.at(-1)).toEqual({ file: "big.bin (dataset org/data)", receivedBytes: 200_000, totalBytes: 200_000, done: true });
    expect(formatDownloadProgress(progress[0]!)).toBe("downloading big.bin (dataset org/data): 0.1 MB of 0.2 MB (35%)");
    expect(formatDownloadProgress(progress.at(-1)!)).toBe("downloaded big.bin (dataset org/data): 0.2 MB");
  });

  it("refuses bytes that do not match the Hub's sha256 and keeps nothing of them", async () => {
    const { home, settings } = settingsFor();
    hub.faults.corrupt = "big.bin";
    try {
      const err = await failure(downloadHubFile({ repo, file: "big.bin" }, { settings }));
      expect(err.message).toContain(`big.bin: the downloaded bytes do not match the Hub's checksum (expected ${SHA256}, got `);
    } finally {
      hub.faults.corrupt = null;
    }
    const blobs = join(home, "hub", "datasets--org--data", "blobs");
    expect(existsSync(join(blobs, SHA256))).toBe(false);
    expect(existsSync(join(blobs, `${SHA256}.incomplete`))).toBe(false);
    expect(readFileSync((await downloadHubFile({ repo, file: "big.bin" }, { settings })).path).equals(BIG)).toBe(true);
  });

  it("HF_HUB_OFFLINE without the file cached names the file and the cache", async () => {
    const { home } = settingsFor();
    const settings = readHubSettings({ HF_ENDPOINT: hub.url, HF_HOME: home, HF_HUB_OFFLINE: "1" });
    const before = hub.requests.length;
    const err = await failure(downloadHubFile({ repo, file: "big.bin" }, { settings }));
    expect(err.message).toBe(`HF_HUB_OFFLINE is set and big.bin of dataset org/data (revision main) is not in the Hugging Face cache ${join(home, "hub")}`);
    expect(hub.requests.length).toBe(before);
    expect(await downloadOptionalHubFile({ repo, file: "big.bin" }, { settings })).toBeNull();
  });

  it("a gated repo: 401 says to set HF_TOKEN; with a token that has no access, says so; the token is never printed", async () => {
    const none = await failure(downloadHubFile({ repo: gated, file: "x.json" }, settingsFor()));
    expect(none.message).toMatch(/^cannot download x\.json of dataset org\/gated \(revision main\) from http:\/\/127\.0\.0\.1:\d+\/datasets\/org\/gated\/resolve\/main\/x\.json: the Hub answered 401 \(GatedRepo\)$/);
    expect(none.hint).toMatch(/set HF_TOKEN/);
    expect(none.kind).toBe("environment");
    const wrong = await failure(downloadHubFile({ repo: gated, file: "x.json" }, settingsFor({ HF_TOKEN: "hf_wrong_token" })));
    expect(wrong.hint).toMatch(/^HF_TOKEN is set but this token has no access/);
    expect(`${wrong.message}\n${wrong.hint}`).not.toContain("hf_wrong_token");
    const ok = await downloadHubFile({ repo: gated, file: "x.json" }, settingsFor({ HF_TOKEN: "hf_right_token" }));
    expect(readFileSync(ok.path, "utf8")).toBe(SMALL);
  });

  it("404: a missing file and a missing repo say which; an optional file is just absent", async () => {
    const file = await failure(downloadHubFile({ repo, file: "nope.json" }, settingsFor()));
    expect(file.message).toMatch(/nope\.json of dataset org\/data .*: the repo has no file nope\.json$/);
    const missing = await failure(downloadHubFile({ repo: { type: "model", id: "org/none" }, file: "tokenizer.json" }, settingsFor()));
    expect(missing.message).toMatch(/tokenizer\.json of model org\/none .*: model org\/none was not found \(404, RepoNotFound\)$/);
    expect(missing.kind).toBe("usage");
    expect(await downloadOptionalHubFile({ repo, file: "nope.json" }, settingsFor())).toBeNull();
  });

  it("an unreachable endpoint: the URL and the cause, not the token; a cached file is used instead", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const { home } = settingsFor();
    const settings = readHubSettings({ HF_ENDPOINT: `http://127.0.0.1:${port}`, HF_HOME: home, HF_TOKEN: "hf_secret_value" });
    const err = await failure(downloadHubFile({ repo, file: "big.bin" }, { settings }));
    expect(err.message).toBe(`cannot download http://127.0.0.1:${port}/datasets/org/data/resolve/main/big.bin (big.bin): the Hub is unreachable (ECONNREFUSED)`);
    expect(`${err.message}${err.hint}`).not.toContain("hf_secret_value");
    await downloadHubFile({ repo, file: "big.bin" }, { settings: { ...settings, endpoint: hub.url } });
    expect(readFileSync((await downloadHubFile({ repo, file: "big.bin" }, { settings })).path).equals(BIG)).toBe(true);
  });
});

describe("Hub settings, as huggingface_hub reads the environment", () => {
  it("the cache: HF_HUB_CACHE, then HF_HOME/hub, then KNEEPOINT_CACHE_DIR, XDG_CACHE_HOME, ~/.cache (each /huggingface/hub)", () => {
    expect(readHubSettings({ HF_HUB_CACHE: "/c", HF_HOME: "/h" }).cacheDir).toBe("/c");
    expect(readHubSettings({ HF_HOME: "/h", XDG_CACHE_HOME: "/x" }).cacheDir).toBe("/h/hub");
    expect(readHubSettings({ KNEEPOINT_CACHE_DIR: "/k", XDG_CACHE_HOME: "/x" }).cacheDir).toBe("/k/huggingface/hub");
    expect(readHubSettings({ XDG_CACHE_HOME: "/x" }).cacheDir).toBe("/x/huggingface/hub");
    expect(readHubSettings({ HOME: process.env.HOME }).cacheDir).toMatch(/\/\.cache\/huggingface\/hub$/);
  });

  it("the endpoint without its trailing slash; offline for 1/ON/YES/TRUE only; the token from HF_TOKEN, else the token file", () => {
    expect(readHubSettings({ HF_ENDPOINT: "https://mirror.example/" }).endpoint).toBe("https://mirror.example");
    expect(readHubSettings({}).endpoint).toBe("https://huggingface.co");
    for (const v of ["1", "on", "YES", "True"]) expect(readHubSettings({ HF_HUB_OFFLINE: v }).offline).toBe(true);
    for (const v of ["0", "false", "", "off"]) expect(readHubSettings({ HF_HUB_OFFLINE: v }).offline).toBe(false);
    expect(readHubSettings({ TRANSFORMERS_OFFLINE: "1" }).offline).toBe(true);
    const home = mkdtempSync(join(tmpdir(), "kp-hubtok-"));
    writeFileSync(join(home, "token"), "hf_from_file\n");
    expect(readHubSettings({ HF_HOME: home }).token).toBe("hf_from_file");
    expect(readHubSettings({ HF_HOME: home, HF_TOKEN: "hf_env" }).token).toBe("hf_env");
    expect(readHubSettings({ HF_HOME: join(home, "none") }).token).toBeNull();
  });
});
