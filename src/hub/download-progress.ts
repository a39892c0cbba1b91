/** One stderr line about a long Hub download: when it starts, every 3 s while it runs, and when it ends. */
import type { DownloadProgress } from "./hub-download.ts";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function formatDownloadProgress(p: DownloadProgress): string {
  const total = p.totalBytes;
  if (p.done) return `downloaded ${p.file}: ${mb(p.receivedBytes)}`;
  if (total === null) return `downloading ${p.file}: ${mb(p.receivedBytes)}`;
  const pct = total > 0 ? Math.floor((100 * p.receivedBytes) / total) : 100;
  return `downloading ${p.file}: ${mb(p.receivedBytes)} of ${mb(total)} (${pct}%)`;
}
