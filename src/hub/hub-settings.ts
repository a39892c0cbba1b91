/**
 * Where the Hugging Face Hub is and how to talk to it, read from the environment as huggingface_hub reads it
 * (huggingface_hub/constants.py, utils/_auth.py):
 *   endpoint  HF_ENDPOINT (default https://huggingface.co), trailing "/" removed;
 *   cache     HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $KNEEPOINT_CACHE_DIR/huggingface/hub
 *             (kneepoint's own override of the cache root), else $XDG_CACHE_HOME/huggingface/hub, else
 *             ~/.cache/huggingface/hub;
 *   token     HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the file $HF_TOKEN_PATH or $HF_HOME/token (`hf auth login`);
 *   offline   HF_HUB_OFFLINE, else TRANSFORMERS_OFFLINE, true for 1/ON/YES/TRUE in any case.
 * The same cache is the one Python's huggingface_hub, transformers and datasets use, so files they downloaded are
 * found here and the other way round.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";

export interface HubSettings {
  endpoint: string;
  cacheDir: string;
  token: string | null;
  offline: boolean;
}

const TRUE_VALUES = new Set(["1", "ON", "YES", "TRUE"]);

/** huggingface_hub's `_is_true`. */
export function isTrueEnv(value: string | undefined): boolean {
  return value !== undefined && TRUE_VALUES.has(value.toUpperCase());
}

export function hubOffline(env: NodeJS.ProcessEnv): boolean {
  return isTrueEnv(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE);
}

function hfHome(env: NodeJS.ProcessEnv): string {
  if (env.HF_HOME) return env.HF_HOME;
  const cacheRoot = env.KNEEPOINT_CACHE_DIR || env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cacheRoot, "huggingface");
}

export function hubCacheDir(env: NodeJS.ProcessEnv): string {
  return env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome(env), "hub");
}

function tokenFromFile(env: NodeJS.ProcessEnv): string | null {
  const path = env.HF_TOKEN_PATH || join(hfHome(env), "token");
  if (!existsSync(path)) return null;
  try {
    return readFileSync(path, "utf8").trim() || null;
  } catch {
    return null;
  }
}

export function readHubSettings(env: NodeJS.ProcessEnv): HubSettings {
  const token = (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || "").trim() || tokenFromFile(env);
  return {
    endpoint: (env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, ""),
    cacheDir: hubCacheDir(env),
    token,
    offline: hubOffline(env),
  };
}
