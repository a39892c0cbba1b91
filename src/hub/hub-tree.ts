/**
 * The files of a Hub repo under a folder, from the Hub's tree API (`GET /api/<datasets|models>/<repo>/tree/<rev>/<path>
 * ?recursive=true`, paged with `Link: <…>; rel="next"`), as huggingface_hub's list_repo_tree reads it; offline, the
 * files of the cached snapshot instead.
 */
import { EnvironmentError } from "../errors.ts";
import { cachedSnapshotFiles, type HubRepo } from "./hub-cache.ts";
import { hubHttpError, hubNetworkError, hubOfflineError } from "./hub-errors.ts";
import type { HubSettings } from "./hub-settings.ts";

function nextLink(header: string | null): string | null {
  const m = header === null ? null : /<([^>]+)>;\s*rel="next"/.exec(header);
  return m ? m[1]! : null;
}

export async function listRepoFiles(repo: HubRepo, revision: string, folder: string, settings: HubSettings): Promise<string[]> {
  if (settings.offline) {
    const snap = cachedSnapshotFiles(settings.cacheDir, repo, revision);
    if (snap === null) throw hubOfflineError(folder || "the file list", repo, revision, settings.cacheDir);
    return snap.files.filter((f) => folder === "" || f.startsWith(`${folder}/`));
  }
  const kind = repo.type === "dataset" ? "datasets" : "models";
  const path = folder ? `/${folder.split("/").map(encodeURIComponent).join("/")}` : "";
  let url: string | null = `${settings.endpoint}/api/${kind}/${repo.id}/tree/${encodeURIComponent(revision)}${path}?recursive=true&expand=false`;
  const files: string[] = [];
  while (url !== null) {
    let res: Response;
    try {
      res = await fetch(url, { headers: { "user-agent": "kneepoint", ...(settings.token ? { authorization: `Bearer ${settings.token}` } : {}) }, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw hubNetworkError(url, `the file list of ${folder || "/"}`, err);
    }
    if (!res.ok) throw hubHttpError({ status: res.status, errorCode: res.headers.get("x-error-code"), file: `${folder || "/"} (file list)`, repo, revision, url, hasToken: settings.token !== null });
    const entries = (await res.json()) as Array<{ type?: unknown; path?: unknown }>;
    if (!Array.isArray(entries)) throw new EnvironmentError(`${url} did not answer a JSON list`, "check HF_ENDPOINT");
    for (const e of entries) if (e.type === "file" && typeof e.path === "string") files.push(e.path);
    url = nextLink(res.headers.get("link"));
  }
  return files.sort();
}
