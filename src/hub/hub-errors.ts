/**
 * What a failed Hub request means, in the user's words: the file and repo, why, and what to do. Statuses and
 * X-Error-Code values are the Hub's (huggingface_hub utils/_http.py hf_raise_for_status). The token is never
 * part of a message: it travels in a header, and the URLs here carry none.
 */
import { EnvironmentError, UsageError } from "../errors.ts";
import type { HubRepo } from "./hub-cache.ts";

/** A 404 from the Hub: no such repo, revision or file (`errorCode` is the Hub's X-Error-Code, when it sent one). */
export class HubNotFoundError extends UsageError {
  constructor(message: string, hint: string, readonly errorCode: string | null) {
    super(message, hint);
    this.name = "HubNotFoundError";
  }
}

export function repoLabel(repo: HubRepo): string {
  return `${repo.type === "dataset" ? "dataset" : "model"} ${repo.id}`;
}

export interface HubFailure {
  status: number;
  errorCode: string | null;
  file: string;
  repo: HubRepo;
  revision: string;
  url: string;
  hasToken: boolean;
}

export function hubHttpError(f: HubFailure): Error {
  const what = `${f.file} of ${repoLabel(f.repo)} (revision ${f.revision}) from ${f.url}`;
  if (f.status === 401 || f.status === 403 || f.errorCode === "GatedRepo") {
    const hint = f.hasToken
      ? "HF_TOKEN is set but this token has no access: accept the repo's terms on its Hub page with the token's account, or use a token with read access to it"
      : "the repo is gated or private: set HF_TOKEN to a Hugging Face token with access (or log in with `hf auth login`)";
    return new EnvironmentError(`cannot download ${what}: the Hub answered ${f.status}${f.errorCode ? ` (${f.errorCode})` : ""}`, hint);
  }
  if (f.status === 404) {
    if (f.errorCode === "EntryNotFound") return new HubNotFoundError(`cannot download ${what}: the repo has no file ${f.file}`, "check the file name and the revision", f.errorCode);
    if (f.errorCode === "RevisionNotFound") return new HubNotFoundError(`cannot download ${what}: the repo has no revision ${f.revision}`, "check the revision (branch, tag or commit)", f.errorCode);
    return new HubNotFoundError(
      `cannot download ${what}: ${repoLabel(f.repo)} was not found (404${f.errorCode ? `, ${f.errorCode}` : ""})`,
      f.hasToken ? "check the repo id; a private repo needs a token of an account that can read it" : "check the repo id; a private repo needs HF_TOKEN",
      f.errorCode,
    );
  }
  return new EnvironmentError(`cannot download ${what}: the Hub answered ${f.status}`, "retry later; set HF_ENDPOINT if you use a mirror");
}

export function hubNetworkError(url: string, file: string, cause: unknown): EnvironmentError {
  const why = (cause as { cause?: { code?: string; message?: string } }).cause?.code ?? (cause as Error).message;
  return new EnvironmentError(`cannot download ${url} (${file}): the Hub is unreachable (${why})`, "check the network (or HF_ENDPOINT); with the file already cached, set HF_HUB_OFFLINE=1 to use the cache");
}

export function hubOfflineError(file: string, repo: HubRepo, revision: string, cacheDir: string): EnvironmentError {
  return new EnvironmentError(
    `HF_HUB_OFFLINE is set and ${file} of ${repoLabel(repo)} (revision ${revision}) is not in the Hugging Face cache ${cacheDir}`,
    "run once without HF_HUB_OFFLINE to download it, or point HF_HOME / HF_HUB_CACHE at a cache that has it",
  );
}
