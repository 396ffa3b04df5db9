// src/service/reload.ts
// The policy the service judges with: the file policy (swapped on a reload) with the runtime overlay polled over it.

import type { Logger } from 'pino';
import type { Policy } from '../core/policy';
import { applyOverlay, emptyOverlay, type Overlay, type OverlayStore } from '../state/overlay';

/** What startPolicyReloads needs. */
export interface PolicyReloadOptions {
  overlay: OverlayStore;
  /** The policy of the configuration file, before any overlay. */
  filePolicy: Policy;
  /** Puts a merged policy (file policy with the overlay over it) to work. */
  apply(merged: Policy): void;
  logger: Logger;
  /** How often the overlay is re-read. */
  refreshMs: number;
  /** True once the service is stopping: the first read is no longer retried. */
  stopping(): boolean;
}

/** The running policy: the overlay's poll, and the swap of the file policy on a reload. */
export interface PolicyReloads {
  /** Re-reads the runtime overlay and applies it if it changed. */
  refresh(): Promise<void>;
  /** Resolves once the runtime overlay has been read. */
  ready: Promise<void>;
  /** True once the runtime overlay has been read. */
  loaded(): boolean;
  /** The runtime overlay last applied. */
  current(): Overlay;
  /** Swaps in a new file policy; the runtime overlay stays merged over it. */
  setFilePolicy(policy: Policy): void;
  /** Stops the overlay poll. */
  stop(): void;
}

/** Starts reading the runtime overlay (at once, then every refreshMs) and merging it over the file policy. */
export function startPolicyReloads(options: PolicyReloadOptions): PolicyReloads {
  const { overlay, logger } = options;
  let filePolicy: Policy = options.filePolicy;
  let currentOverlay: Overlay = emptyOverlay();
  let overlayApplied = false;

  const apply = () => {
    options.apply(applyOverlay(filePolicy, currentOverlay));
  };
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let overlayLoaded = false;
  const refreshOverlay = async () => {
    const next = await overlay.read();
    if (!overlayLoaded) {
      overlayLoaded = true;
      markReady();
    }
    // The overlay store returns the same object while nothing changed.
    if (next === currentOverlay) return;
    const first = !overlayApplied;
    overlayApplied = true;
    currentOverlay = next;
    apply();
    const empty =
      Object.keys(next.floors).length +
        Object.keys(next.caps).length +
        Object.keys(next.catalog).length +
        Object.keys(next.rules).length ===
      0;
    if (first && empty) return;
    logger.info(
      {
        floors: Object.keys(next.floors).length,
        caps: Object.keys(next.caps).length,
        catalog: Object.keys(next.catalog).length,
        rules: Object.keys(next.rules).length,
      },
      'runtime floors, caps and catalog applied',
    );
  };
  const poll = setInterval(() => {
    refreshOverlay().catch((error) => logger.warn({ err: error }, 'could not read the runtime overlay'));
  }, options.refreshMs);
  poll.unref();
  // The first read is retried quickly (Redis may still be connecting): orders wait for it, so it should not
  // take a whole refresh interval.
  void (async () => {
    for (let attempt = 0; !overlayLoaded && !options.stopping(); attempt++) {
      try {
        await refreshOverlay();
      } catch (error) {
        if (attempt >= 5)
          logger.warn({ err: error }, 'could not read the runtime overlay yet; orders wait for it');
        await new Promise((resolve) => setTimeout(resolve, Math.min(25 * 2 ** attempt, options.refreshMs)));
      }
    }
  })();

  return {
    refresh: refreshOverlay,
    ready,
    loaded: () => overlayLoaded,
    current: () => currentOverlay,
    setFilePolicy(policy) {
      filePolicy = policy;
      apply();
    },
    stop() {
      clearInterval(poll);
    },
  };
}
