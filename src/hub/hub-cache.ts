/**
 * huggingface_hub's cache layout (file_download.py), so kneepoint and the Python libraries share one cache:
 *   <cache>/<datasets|models>--<org>--<name>/blobs/<etag>            the file's bytes, named by its ETag
 *   <cache>/…/blobs/<etag>.incomplete                                a download in progress (resumed with Range)
 *   <cache>/…/refs/<revision>                                        the commit a branch or tag pointed to
 *   <cache>/…/snapshots/<commit>/<path>                              a relative symlink to the blob
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { copyFile, mkdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";

export type RepoType = "dataset" | "model";

export interface HubRepo {
  type: RepoType;
  id: string;
}

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

export function repoFolder(cacheDir: string, repo: HubRepo): string {
  return join(cacheDir, [`${repo.type}s`, ...repo.id.split("/")].join("--"));
}

export function blobPath(cacheDir: string, repo: HubRepo, etag: string): string {
  return join(repoFolder(cacheDir, repo), "blobs", etag);
}

export function snapshotPath(cacheDir: string, repo: HubRepo, commit: string, file: string): string {
  return join(repoFolder(cacheDir, repo), "snapshots", commit, file);
}

/** The commit `revision` names in the cache: itself when it is a commit hash, else what refs/<revision> holds. */
export function cachedCommit(cacheDir: string, repo: HubRepo, revision: string): string | null {
  if (COMMIT_HASH.test(revision)) return revision;
  const ref = join(repoFolder(cacheDir, repo), "refs", revision);
  return existsSync(ref) ? readFileSync(ref, "utf8").trim() : null;
}

/** The cached copy of `file` at `revision`, or null. */
export function cachedFile(cacheDir: string, repo: HubRepo, revision: string, file: string): { path: string; commit: string } | null {
  const commit = cachedCommit(cacheDir, repo, revision);
  if (commit === null) return null;
  const path = snapshotPath(cacheDir, repo, commit, file);
  return existsSync(path) ? { path, commit } : null;
}

/** Every file of the cached snapshot of `revision` (relative paths, "/"-separated, sorted). */
export function cachedSnapshotFiles(cacheDir: string, repo: HubRepo, revision: string): { commit: string; files: string[] } | null {
  const commit = cachedCommit(cacheDir, repo, revision);
  if (commit === null) return null;
  const root = join(repoFolder(cacheDir, repo), "snapshots", commit);
  if (!existsSync(root)) return null;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const stat = statSync(full, { throwIfNoEntry: false }); // undefined: a link to a missing blob
      if (stat?.isDirectory()) walk(full);
      else if (stat) files.push(relative(root, full).split("\\").join("/"));
    }
  };
  walk(root);
  return { commit, files: files.sort() };
}

/** Records that `revision` pointed to `commit` (not for a revision that is itself a commit). */
export async function writeRef(cacheDir: string, repo: HubRepo, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const ref = join(repoFolder(cacheDir, repo), "refs", revision);
  await mkdir(dirname(ref), { recursive: true });
  await writeFile(ref, commit);
}

/** Points snapshots/<commit>/<file> at the blob: a relative symlink as huggingface_hub makes, a copy where links fail. */
export async function linkSnapshot(cacheDir: string, repo: HubRepo, commit: string, file: string, etag: string): Promise<string> {
  const target = snapshotPath(cacheDir, repo, commit, file);
  const blob = blobPath(cacheDir, repo, etag);
  await mkdir(dirname(target), { recursive: true });
  const rel = relative(dirname(target), blob);
  try {
    if ((await readlink(target)) === rel) return target;
  } catch {
    // absent, or a copy: replaced below
  }
  const tmp = `${target}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  try {
    await symlink(rel, tmp);
  } catch {
    await copyFile(blob, tmp);
  }
  await rename(tmp, target);
  return target;
}
