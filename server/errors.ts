// The one error type of the service: a status, a stable code, a message and optional details,
// sent as `{ error: { code, message, details? } }`, with any headers it needs (Retry-After).
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}
