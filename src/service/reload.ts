// src/service/reload.ts
// The policy the service judges with: the file policy (swapped on a reload) with the runtime overlay polled over
// it, put into the one Guard in one place.

import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service';
import type { Policy } from '../core/policy';
import type { Guard } from '../engine/guard';
import { applyOverlay, emptyOverlay, type Overlay, type OverlayStore } from '../state/overlay';

/** One change of the policy in force: before and after (file policy with the overlay over it), and why. */
export interface PolicySwap {
  previous: Policy;
  next: Policy;
  /** `start`: the first overlay read at start-up; `file`: a reloaded config file; `overlay`: runtime floors and caps. */
  cause: 'start' | 'file' | 'overlay';
}

/** What startPolicyReloads needs. */
export interface PolicyReloadOptions {
  /** The service's one guard: its policy is swapped here and nowhere else. */
  guard: Guard;
  /** The policy of the configuration file, before any overlay. */
  filePolicy: Policy;
  overlay: OverlayStore;
  logger: Logger;
  /** How often the overlay is re-read. */
  refreshMs: number;
  /** True once the service is stopping: the first read is no longer retried. */
  stopping(): boolean;
  /** Called after every swap (a reload that changes nothing included), e.g. to declare metrics series. */
  onSwap?(swap: PolicySwap): void;
}

/** Why a reloaded configuration was not put in force. */
export type ReloadRefusal = 'empty_policy';

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
  /**
   * Puts a reloaded (validated) configuration's policy in force, the runtime overlay merged over it; refuses a
   * file whose policy is empty while the running one is not, unless it says `confirmEmpty: true`.
   */
  reload(next: ServiceConfig, running: ServiceConfig): { ok: true } | { ok: false; refused: ReloadRefusal };
  /** Stops the overlay poll. */
  stop(): void;
}

/** Starts reading the runtime overlay (at once, then every refreshMs) and merging it over the file policy. */
export function startPolicyReloads(options: PolicyReloadOptions): PolicyReloads {
  const { guard, overlay, logger } = options;
  let filePolicy: Policy = options.filePolicy;
  let currentOverlay: Overlay = emptyOverlay();
  let overlayApplied = false;

  // The one place a policy enters the guard: the file policy with the overlay over it.
  const swap = (cause: PolicySwap['cause']) => {
    const previous = guard.policy;
    guard.setPolicy(applyOverlay(filePolicy, currentOverlay));
    options.onSwap?.({ previous, next: guard.policy, cause });
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
    swap(first ? 'start' : 'overlay');
    const empty =
      Object.keys(next.floors).length +
        Object.keys(next.caps).length +
        next.catalog.prices +
        Object.keys(next.rules).length ===
      0;
    if (first && empty) return;
    logger.info(
      {
        floors: Object.keys(next.floors).length,
        caps: Object.keys(next.caps).length,
        catalog: next.catalog.skus,
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
    reload(next, running) {
      if (next.policyEmpty && !running.policyEmpty && !next.confirmEmpty) {
        return { ok: false, refused: 'empty_policy' };
      }
      filePolicy = next.policy;
      swap('file');
      return { ok: true };
    },
    stop() {
      clearInterval(poll);
    },
  };
}
