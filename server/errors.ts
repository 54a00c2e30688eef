// The one error type of the service: a status, a stable code, a message and optional details,
// sent as `{ error: { code, message, details? } }`.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
