// src/service/lifecycle.ts
// Stopping the service: evaluations in flight, drain, Connection: close while stopping, the flush at shutdown.

import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { GuardStore, ShutdownReport } from '../ports/store';
import type { OverlayStore } from '../state/overlay';
import type { WebhookDelivery } from '../webhooks/delivery';

/** How long shutdown waits for queued review webhooks before logging them as undelivered. */
const WEBHOOK_DRAIN_MS = 5_000;

/** Whether the service is stopping, and the evaluations under way that a drain waits for. */
export interface Lifecycle {
  /** True once drain or close has begun: readyz answers 503 and connections are closed after their response. */
  stopping(): boolean;
  /** Marks the service as stopping, without waiting. */
  stop(): void;
  /** Evaluations under way. */
  inFlight(): number;
  /** Counts one more evaluation under way. */
  begin(): void;
  /** Counts one evaluation done; the last one resolves the drains waiting. */
  done(): void;
  /** Marks the service as stopping and resolves once no evaluation is under way. */
  drain(): Promise<void>;
}

export function createLifecycle(): Lifecycle {
  let stopping = false;
  let active = 0;
  let idle: Array<() => void> = [];
  return {
    stopping: () => stopping,
    stop() {
      stopping = true;
    },
    inFlight: () => active,
    begin() {
      active += 1;
    },
    done() {
      active -= 1;
      if (active === 0) {
        for (const resolve of idle) resolve();
        idle = [];
      }
    },
    drain() {
      stopping = true;
      if (active === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}

/** Middleware: once stopping, keep-alive clients are told to reconnect (to another instance). */
export function closeWhenStopping(lifecycle: Lifecycle): RequestHandler {
  return function closeWhenStopping(_req, res, next) {
    if (lifecycle.stopping()) res.set('Connection', 'close');
    next();
  };
}

/** What closeService flushes and releases. */
export interface ServiceHoldings {
  webhooks: WebhookDelivery | undefined;
  overlay: OverlayStore;
  store: GuardStore;
  logger: Logger;
}

/** Stops the webhook delivery, then releases the overlay and the store; the store's shutdown report, if any. */
export async function closeService({
  webhooks,
  overlay,
  store,
  logger,
}: ServiceHoldings): Promise<ShutdownReport | undefined> {
  // On Redis the outbox outlives the process: finish the attempts in flight and leave the rest to the next start
  // or another instance. In memory, give queued webhooks a few seconds; what is left is logged as lost.
  if (webhooks?.durable === false && !(await webhooks.drain(WEBHOOK_DRAIN_MS))) {
    logger.warn({ pending: webhooks.stats().pending }, 'webhooks still queued at shutdown');
  }
  await webhooks?.stop();
  await overlay.close().catch((error) => logger.warn({ err: error }, 'could not close the overlay'));
  return store.shutdown?.();
}
