/**
 * An error with a stable code: the server's catalogue (`INVALID_REQUEST`, `RATE_LIMITED`, `NOT_A_MEMBER`,
 * `CONTENT_REJECTED` — the content check refused the message or upload, not retried —, …) or the
 * SDK's own: `TIMEOUT` (no ack in time), `NETWORK` (not connected / connection lost), `NOT_LOGGED_IN`, `ABORTED`,
 * `TOKEN_PROVIDER` (the app's tokenProvider failed).
 */
export class IMError extends Error {
  readonly code: string;
  /** HTTP status of a REST answer, when there was one. */
  readonly status?: number;

  constructor(code: string, message?: string, status?: number) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'IMError';
    this.code = code;
    this.status = status;
  }
}

/** Server codes after which the same send may succeed later: the outbox retries them with the same clientMsgId. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL']);
