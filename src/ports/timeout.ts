// src/ports/timeout.ts
// Time limits on store calls: withTimeout and the StoreTimeoutError it rejects with.

/** Thrown when a store call takes longer than the timeout. */
export class StoreTimeoutError extends Error {
  readonly code = 'ERR_STORE_TIMEOUT';
  constructor(operation: string, ms: number) {
    super(`store ${operation} took longer than ${ms} ms`);
    this.name = this.constructor.name;
  }
}

/**
 * Resolves `value` or rejects with a StoreTimeoutError after `ms`. On the hot path: one timer and one promise per
 * call (no `Promise.race`), and none for a store that answers synchronously.
 */
export function withTimeout<T>(value: Promise<T> | T, ms: number, operation: string): Promise<T> {
  if (!(value instanceof Promise)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeoutError(operation, ms)), ms);
    value.then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
