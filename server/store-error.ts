// The policy store's words for what went wrong, shared by the store and its parts (files,
// history, watcher); the service maps each kind to a status.

/** Policy ids are file names without `.yaml`: lower-case words, so no id can reach outside the folder. */
export const POLICY_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** What can go wrong with a store operation, in the store's words; the service maps each kind to a status. */
export type StoreErrorKind =
  | 'invalid-id'
  | 'unknown-policy'
  | 'unknown-revision'
  | 'invalid-policy'
  | 'invalid-cursor'
  | 'precondition-required'
  | 'stale-revision'
  | 'busy'
  | 'store-unavailable'
  | 'storage-full'
  | 'storage-denied'
  | 'storage-failed';

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
