/**
 * `load.request_retries` as inference-perf 0.7.0 retries (client/modelserver/openai_client.py `process_request`,
 * `is_retryable_transport_error`; config/loadgen/config.py): a request is sent again only when it failed before
 * any response — a connection refused, reset or closed before the status line (kneepoint's error reason
 * "connection"; aiohttp's ClientConnectionError) — never after a response began (a bad status, a stream cut
 * mid-way), never on a timeout (`request_timeout` applies per attempt) and never on a TLS verification or
 * certificate failure (every attempt would fail alike). At most `retries` extra attempts; before extra attempt k
 * (k = 1, 2, …) it waits `backoffS × 2^(k−1) × (0.5 + random())`. The record is the last attempt's, with the first
 * attempt's send time: every latency of the request (E2E, TTFT) counts the failed attempts and the backoff, as
 * 0.7.0's does (its `start` stays at dispatch), and `retries` says how many extra attempts were made and when the
 * last one was sent (the report's retry_wasted_sec). Ending the run (the abort signal) stops the retries.
 */
import type { StreamClient } from "../../engine/openai-stream-client.ts";
import type { RequestRecord } from "../../engine/request-record.ts";

export interface RetryPolicy {
  /** load.request_retries: extra attempts, ≥ 1 to retry at all. */
  retries: number;
  /** load.request_retry_backoff_sec. */
  backoffS: number;
  /** [0, 1): the jitter (Math.random by default; 0.7.0's random.random, unseeded). */
  random?: () => number;
}

/** TLS failures before a response: a certificate or handshake problem, the same on every attempt. */
const TLS_FAILURE = /\b(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_(GET|VERIFY)|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|HOSTNAME_MISMATCH)|certificate|handshake/i;

/** 0.7.0 `is_retryable_transport_error`, on kneepoint's record: a connection fault before any response, not TLS. */
export function isRetryableFault(rec: RequestRecord): boolean {
  return rec.error?.reason === "connection" && !TLS_FAILURE.test(rec.error.message);
}

/** The wait before extra attempt `attempt + 1` (attempt: 0-based index of the attempt that failed), ms. */
export function retryBackoffMs(policy: RetryPolicy, attempt: number, jitter: number): number {
  return policy.backoffS * 1000 * 2 ** attempt * (0.5 + jitter);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export function withRequestRetries(client: StreamClient, policy: RetryPolicy): StreamClient {
  const random = policy.random ?? Math.random;
  return {
    close: () => client.close(),
    async send(req, signal) {
      const first = await client.send(req, signal);
      let rec = first;
      let attempts = 0;
      while (attempts < policy.retries && isRetryableFault(rec) && !signal.aborted) {
        await pause(retryBackoffMs(policy, attempts, random()), signal);
        if (signal.aborted) break;
        attempts++;
        rec = await client.send(req, signal);
      }
      if (attempts === 0) return rec;
      return { ...rec, sendMs: first.sendMs, sendEpochMs: first.sendEpochMs, retries: { attempts, lastAttemptSendMs: rec.sendMs } };
    },
  };
}
