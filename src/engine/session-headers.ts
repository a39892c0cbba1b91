/**
 * Session headers (inference-perf 0.7.0 `api.session_id_header_key` / `api.session_token_header_key`,
 * client/modelserver/openai_client.py `process_request`), for requests that belong to a session (a multi-turn
 * conversation or a replayed session: their `sessionId`; requests without one get neither header):
 *   session_id_header_key     the request carries its session id in this header;
 *   session_token_header_key  a response header carrying a server-assigned token (e.g. llm-d's router session
 *                             affinity, `x-session-token`): the last token a session's response carried is sent back
 *                             in the same header on that session's later requests.
 * Both are set after `api.headers`, so they win over a configured header of the same name (as in 0.7.0).
 */
import type { IncomingHttpHeaders } from "node:http";

export interface SessionHeaderKeys {
  idHeader: string | null;
  tokenHeader: string | null;
}

export interface SessionHeaders {
  /** Headers to add to a request of `sessionId`. */
  forRequest(sessionId: string): Record<string, string>;
  /** Keeps the token a response of `sessionId` carried, if any. */
  fromResponse(sessionId: string, headers: IncomingHttpHeaders): void;
}

export function createSessionHeaders(keys: SessionHeaderKeys): SessionHeaders {
  const tokens = new Map<string, string>();
  const tokenHeader = keys.tokenHeader;
  return {
    forRequest(sessionId) {
      const h: Record<string, string> = {};
      if (keys.idHeader) h[keys.idHeader] = sessionId;
      const token = tokenHeader ? tokens.get(sessionId) : undefined;
      if (tokenHeader && token) h[tokenHeader] = token;
      return h;
    },
    fromResponse(sessionId, headers) {
      if (!tokenHeader) return;
      const v = headers[tokenHeader.toLowerCase()];
      const token = Array.isArray(v) ? v[0] : v;
      if (token) tokens.set(sessionId, token);
    },
  };
}
