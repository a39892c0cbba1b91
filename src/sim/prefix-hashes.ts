/**
 * The chained hashes of a prompt's full KV blocks, as vLLM's automatic prefix caching keys them: block i's hash
 * covers its parent's hash, its own block_size token ids and the extra keys that change what the KV holds (the
 * LoRA adapter). So two prompts share block i only when they share every token up to the end of block i, with the
 * same adapter. A partial last block has no hash (vLLM caches full blocks only). Pure.
 */
import { createHash } from "node:crypto";

export function promptBlockHashes(ids: readonly number[], blockSize: number, lora: string | null): string[] {
  const full = Math.floor(ids.length / blockSize);
  const out: string[] = new Array(full);
  let parent = lora === null ? "" : `lora:${lora}`;
  for (let b = 0; b < full; b++) {
    const h = createHash("sha256").update(parent).update("\u0000");
    h.update(Uint32Array.from(ids.slice(b * blockSize, (b + 1) * blockSize)));
    parent = h.digest("base64");
    out[b] = parent;
  }
  return out;
}

const memo = new WeakMap<object, { blockSize: number; hashes: string[] }>();

/**
 * promptBlockHashes of a parsed request, computed once: behind `--replicas N --router prefix-precise` the router
 * reads them to score the replicas and the picked replica's engine caches them.
 */
export function requestBlockHashes(request: { promptIds: readonly number[]; lora: string | null }, blockSize: number): string[] {
  const hit = memo.get(request);
  if (hit && hit.blockSize === blockSize) return hit.hashes;
  const hashes = promptBlockHashes(request.promptIds, blockSize, request.lora);
  memo.set(request, { blockSize, hashes });
  return hashes;
}
