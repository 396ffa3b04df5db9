// src/observability/instrument-store.ts
// instrumentStore(store, metrics): times every store call and counts failures, passing everything else through.

import type { GuardStore } from '../ports/store';
import type { PriceGuardMetrics } from './metrics';
import { INSTRUMENTED, STORE_OPERATION_SET } from './store-operations';

/**
 * Wraps a store so every GuardStore call reports its wall time and outcome to `metrics.storeCall`. A `prepare`
 * that reports unavailable facts counts as a failed call (prepare never throws; that is how it fails).
 * Everything else about the store (its own methods and fields) passes through unchanged.
 */
export function instrumentStore<S extends GuardStore>(
  store: S,
  metrics: Pick<PriceGuardMetrics, 'storeCall'>,
): S {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (property === INSTRUMENTED) return true;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      let wrapper = wrappers.get(property);
      if (wrapper === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        if (typeof property !== 'string' || !Object.hasOwn(STORE_OPERATION_SET, property)) {
          wrapper = method.bind(target);
        } else {
          wrapper = function instrumented(...args: unknown[]) {
            const started = process.hrtime.bigint();
            const done = (ok: boolean) =>
              metrics.storeCall(property, Number(process.hrtime.bigint() - started) / 1e9, ok);
            const succeeded = (result: unknown) =>
              property !== 'prepare' ||
              !((result as { unavailable?: ReadonlySet<string> })?.unavailable?.size ?? 0);
            let result: unknown;
            try {
              result = method.apply(target, args);
            } catch (error) {
              done(false);
              throw error;
            }
            if (result instanceof Promise) {
              return result.then(
                (resolved) => {
                  done(succeeded(resolved));
                  return resolved;
                },
                (error) => {
                  done(false);
                  throw error;
                },
              );
            }
            done(succeeded(result));
            return result;
          };
        }
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}
