/**
 * OpenAI-style errors as vLLM sends them:
 * `{"error":{"message","type","param","code"}}` with `code` = the HTTP status.
 */
import type { ServerResponse } from "node:http";

export interface ApiError {
  status: number;
  message: string;
  type: string;
  param: string | null;
  headers?: Record<string, string>;
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: "BadRequestError",
  401: "UnauthorizedError",
  404: "NotFoundError",
  405: "MethodNotAllowedError",
  413: "BadRequestError",
  429: "RateLimitError",
  500: "InternalServerError",
  502: "BadGatewayError",
  503: "ServiceUnavailableError",
  504: "GatewayTimeoutError",
};

export function apiError(status: number, message: string, param: string | null = null): ApiError {
  return { status, message, type: TYPE_BY_STATUS[status] ?? (status >= 500 ? "InternalServerError" : "BadRequestError"), param };
}

export function isApiError(value: unknown): value is ApiError {
  return typeof value === "object" && value !== null && "status" in value && "type" in value && "message" in value;
}

export function sendApiError(res: ServerResponse, error: ApiError): void {
  const body = JSON.stringify({ error: { message: error.message, type: error.type, param: error.param, code: error.status } });
  res.writeHead(error.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...error.headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
