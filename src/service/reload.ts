// src/service/reload.ts
// The policy the service judges with: the file policy (swapped on a reload, which says what it adds, changes and
// removes) with the runtime overlay polled over it, put into the one Guard in one place.

import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service';
import type { Policy } from '../core/policy';
import {
  diffPolicies,
  listedRemovals,
  type PolicyTermsDiff,
  removesMost,
  TERM_KINDS,
  type TermChange,
  type TermCounts,
  type TermKind,
} from '../core/policy-diff';
import type { Guard } from '../engine/guard';
import type { PriceGuardMetrics } from '../observability/metrics';
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
  /** Counts each file reload and the terms it changed. Defaults to none. */
  metrics?: Pick<PriceGuardMetrics, 'policyReload'>;
}

/**
 * Why a reloaded configuration was not put in force: it changes the unit of amounts (`currencies`, which only a
 * restart changes), its policy is empty while the running one is not (`confirmEmpty`), or it removes more than half
 * of the running policy's listed terms (`confirmRemovals`).
 */
export type ReloadRefusal = 'currencies_changed' | 'empty_policy' | 'most_terms_removed';

/** Most terms one log line names; the counts cover them all. */
export const LOGGED_TERMS = 50;
/** Longest JSON of one value in the log; a longer one (a long list of customer ids) is cut, saying so. */
const LOGGED_VALUE_CHARS = 200;

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
   * Puts a reloaded (validated) configuration's policy in force, the runtime overlay merged over it, and logs and
   * counts the terms it adds, changes and removes. Refuses (logged at error, counted, the running policy stays) a
   * file that changes the unit of amounts (`currencies`: a restart changes it), a file whose policy is empty while
   * the running one is not, unless it says `confirmEmpty: true`, and a file that
   * removes more than half of the running policy's listed terms, unless it says `confirmRemovals: true`.
   */
  reload(
    next: ServiceConfig,
    running: ServiceConfig,
  ): { ok: true; diff: PolicyTermsDiff } | { ok: false; refused: ReloadRefusal; diff: PolicyTermsDiff };
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
      const { diff, refused } = judgeReload({ ...running, policy: filePolicy }, next);
      const config = next.source ?? null;
      if (refused !== undefined) {
        options.metrics?.policyReload('refused');
        logger.error(
          { config, refused, ...termsLog(diff, ['removed']) },
          refusalMessage(refused, diff, { running, next }),
        );
        return { ok: false, refused, diff };
      }
      filePolicy = next.policy;
      swap('file');
      options.metrics?.policyReload('applied', diff.counts);
      const log = { config, ...termsLog(diff, ['removed', 'changed', 'added']) };
      if (diff.removed.length > 0) logger.warn(log, 'config reload removed policy terms');
      else if (diff.added.length + diff.changed.length > 0)
        logger.info(log, 'config reload changed policy terms');
      else logger.info(log, 'config reload changed no policy term');
      return { ok: true, diff };
    },
    stop() {
      clearInterval(poll);
    },
  };
}

/** The fields of a configuration a reload is judged on. */
export type ReloadSide = Pick<
  ServiceConfig,
  'policy' | 'policyEmpty' | 'confirmEmpty' | 'confirmRemovals' | 'currencies'
>;

/**
 * What a reload from `running` to `next` changes, and why it would be refused: an empty policy replacing one that is
 * not (without `confirmEmpty`), or more than half of the running policy's listed terms removed (without
 * `confirmRemovals`). The one judgement of the service's reload and of `validate-config --against`.
 */
export function judgeReload(
  running: ReloadSide,
  next: ReloadSide,
): { diff: PolicyTermsDiff; refused?: ReloadRefusal } {
  const diff = diffPolicies(running.policy, next.policy);
  // The unit of every amount is set once, before the first order: a policy written in another unit, judged in the
  // running one, would be off by powers of ten (and so would the history and holds already stored).
  if (currencyChanges(running.currencies, next.currencies).length > 0)
    return { diff, refused: 'currencies_changed' };
  if (next.policyEmpty && !running.policyEmpty && !next.confirmEmpty)
    return { diff, refused: 'empty_policy' };
  // An empty policy said on purpose (`confirmEmpty`) is confirmation enough for the removals it makes.
  if (removesMost(diff) && !next.confirmRemovals && !(next.policyEmpty && next.confirmEmpty))
    return { diff, refused: 'most_terms_removed' };
  return { diff };
}

/** The currencies whose exponent differs between two `currencies` tables, as `IDR exponent 0 -> 2` (sorted). */
function currencyChanges(running: Record<string, number>, next: Record<string, number>): string[] {
  const codes = [...new Set([...Object.keys(running), ...Object.keys(next)])].sort();
  const shown = (exponent: number | undefined) => (exponent === undefined ? 'default' : String(exponent));
  return codes
    .filter((code) => running[code] !== next[code])
    .map((code) => `${code} exponent ${shown(running[code])} -> ${shown(next[code])}`);
}

/**
 * Why a reload is refused, as one clause, and how to apply it on purpose: the field of the file that confirms it,
 * or (for a change of unit) a restart.
 */
export function refusalReason(
  refused: ReloadRefusal,
  diff: PolicyTermsDiff,
  sides: { running: Pick<ReloadSide, 'currencies'>; next: Pick<ReloadSide, 'currencies'> },
): { reason: string; confirm?: 'confirmEmpty' | 'confirmRemovals' } {
  if (refused === 'currencies_changed') {
    const changes = currencyChanges(sides.running.currencies, sides.next.currencies);
    return {
      reason:
        `the file changes the unit of amounts (currencies: ${changes.join(', ')}), ` +
        'which only a restart changes: the running policy, its history and its holds are in the running unit',
    };
  }
  if (refused === 'empty_policy') {
    return {
      reason:
        'the file has no policy (or an empty one) while the running policy has floors, caps, campaigns or voucher terms',
      confirm: 'confirmEmpty',
    };
  }
  const { removed, running } = listedRemovals(diff);
  return {
    reason:
      `the file removes ${removed} of the running policy's ${running} floors, caps, campaigns, voucher terms, ` +
      'exceptions, custom rules and catalog entries (more than half: a truncated or half-copied file?)',
    confirm: 'confirmRemovals',
  };
}

/** What a refused reload logs at error, saying how to apply it on purpose. */
function refusalMessage(
  refused: ReloadRefusal,
  diff: PolicyTermsDiff,
  sides: { running: Pick<ReloadSide, 'currencies'>; next: Pick<ReloadSide, 'currencies'> },
): string {
  const { reason, confirm } = refusalReason(refused, diff, sides);
  const what = refused === 'empty_policy' ? 'an empty policy' : 'it';
  const how =
    confirm === undefined
      ? 'To change the unit, restart the service with the file.'
      : `To apply ${what} on purpose, add "${confirm}: true" to the file.`;
  return `config reload refused: ${reason}; the previous policy stays in force. ${how}`;
}

/** A value as the log shows it: as is, or its JSON cut at LOGGED_VALUE_CHARS when longer. */
function logged(value: unknown): unknown {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value);
  return json.length <= LOGGED_VALUE_CHARS ? value : `${json.slice(0, LOGGED_VALUE_CHARS)}... (cut)`;
}

/**
 * The fields of one reload log line: totals, the counts of each kind touched, and the first LOGGED_TERMS terms of
 * the listed changes (removals first), each with its values before and after.
 */
function termsLog(diff: PolicyTermsDiff, changes: ReadonlyArray<'added' | 'changed' | 'removed'>) {
  const counts: Partial<Record<TermKind, Partial<TermCounts>>> = {};
  for (const kind of TERM_KINDS) {
    const own: Partial<TermCounts> = {};
    for (const change of changes) if (diff.counts[kind][change] > 0) own[change] = diff.counts[kind][change];
    if (Object.keys(own).length > 0) counts[kind] = own;
  }
  const all: TermChange[] = changes.flatMap((change) => diff[change]);
  const terms = all.slice(0, LOGGED_TERMS).map(({ term, kind, change, before, after }) => ({
    term,
    kind,
    change,
    ...(before === undefined ? {} : { before: logged(before) }),
    ...(after === undefined ? {} : { after: logged(after) }),
  }));
  return {
    ...Object.fromEntries(changes.map((change) => [change, diff[change].length])),
    counts,
    terms,
    ...(all.length > terms.length ? { termsNotShown: all.length - terms.length } : {}),
  };
}
