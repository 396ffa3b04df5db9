// src/service/server.ts
// Runs the service as a process: loads the config, picks the stores, listens, reloads on SIGHUP, drains on SIGTERM.

import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { stat, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import {
  ConfigError,
  EX_CONFIG,
  loadConfig,
  resolveWorkers,
  type ServiceConfig,
  sha256Hex,
  WORKERS_NEED_REDIS,
} from '../config/service';
import { createMetrics } from '../observability/metrics';
import type { GuardStore } from '../ports/store';
import { createStoreFromEnv } from '../state/from-env';
import { MemoryOverlayStore } from '../state/memory/overlay';
import { MemoryStore } from '../state/memory/store';
import type { OverlayStore } from '../state/overlay';
import { createRedisClient } from '../state/redis/connection';
import { RedisOverlayStore } from '../state/redis/overlay';
import { RedisRateLimitStore } from '../state/redis/rate-limit';
import { createLogger } from './logging';
import { createService, type Service } from './service';
import { clusterMetricsHandler, superviseWorkers } from './workers';

/** Options of `runService`, normally taken from the command line and the environment. */
export interface RunOptions {
  /** The configuration file. Defaults to PRICE_GUARD_CONFIG, or built-in defaults when neither is set. */
  configPath?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** The listening address, over HOST and `service.host` (`serve --host`). */
  host?: string;
  /** The listening port, over PORT and `service.port` (`serve --port`). */
  port?: number;
  /** Processes serving the port, over WORKERS and `service.workers` (`serve --workers`). */
  workers?: number | 'auto';
}

/** A running service process. */
export interface RunningService {
  service: Service;
  server: Server;
  config: ServiceConfig;
  /** Re-reads the config file; resolves true when the new policy is in force, false when it was rejected. */
  reload(): boolean;
  /** Stops accepting, drains evaluations, flushes the store; resolves with the exit code. */
  shutdown(signal: string): Promise<number>;
}

/**
 * The guard's store, the overlay store and where the API rate limit counts, for a configuration; says loudly when
 * it runs without Redis.
 */
function createStores(
  config: ServiceConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): { store: GuardStore; overlay: OverlayStore; rateLimitStore?: RedisRateLimitStore } {
  if (!config.redisUrl) {
    logger.warn(
      { store: 'memory' },
      'NO REDIS_URL: running on the EMBEDDED IN-MEMORY store. Holds, price history, voucher counters and runtime ' +
        'floors are lost on restart and NOT shared between instances. Set REDIS_URL for production.',
    );
    return { store: new MemoryStore(), overlay: new MemoryOverlayStore() };
  }
  const store = createStoreFromEnv(env, logger);
  // The overlay has its own connection with a roomier time limit: it is read on an interval, not per order.
  const client = createRedisClient(config.redisUrl, { commandTimeoutMs: 1_000 });
  client.on('error', (error: Error) =>
    logger.warn({ err: error }, 'redis connection error (runtime overlay)'),
  );
  // The API rate limit counts on the same connection, so every instance draws from one budget.
  const rateLimitStore = new RedisRateLimitStore({ client, prefix: config.keyPrefix, logger });
  return { store, overlay: new RedisOverlayStore(client, config.keyPrefix), rateLimitStore };
}

/**
 * The demo's reviewer: on the embedded store with no review token configured, a random one-time admin token, so
 * the review page works out of the box. Never with REDIS_URL: a shared deployment configures its own tokens.
 * Returns the config the service is built with and the token to print, if one was made.
 */
function withDemoToken(config: ServiceConfig): { config: ServiceConfig; token: string | undefined } {
  if (config.redisUrl || config.review.tokens.length > 0) return { config, token: undefined };
  const token = randomBytes(24).toString('base64url');
  const demo = { name: 'demo-admin', role: 'admin' as const, sha256: sha256Hex(token) };
  return { config: { ...config, review: { ...config.review, tokens: [demo] } }, token };
}

/** The URL to print for a listening address: localhost for loopback and every-interface binds. */
function displayUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === '::1')
    return `http://localhost:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The configuration file and the configuration with the command line's overrides; throws ConfigError. */
function effectiveConfig(options: RunOptions): {
  configPath: string | undefined;
  config: ServiceConfig;
  /** The file's modification time, taken before it was read: a later edit differs from it (`watchConfig`). */
  readMtimeMs: number | undefined;
} {
  const env = options.env ?? process.env;
  const configPath = options.configPath ?? (env.PRICE_GUARD_CONFIG || undefined);
  const readMtimeMs =
    configPath === undefined ? undefined : statSync(configPath, { throwIfNoEntry: false })?.mtimeMs;
  const loaded = loadConfig(configPath, env);
  const service = { ...loaded.service };
  if (options.host !== undefined) service.host = options.host;
  if (options.port !== undefined) service.port = options.port;
  if (options.workers !== undefined) {
    service.workers = resolveWorkers(options.workers, loaded.redisUrl);
    if (service.workers > 1 && !loaded.redisUrl) {
      throw new ConfigError(
        [{ path: '--workers', message: WORKERS_NEED_REDIS }],
        configPath ?? '(command line)',
      );
    }
  }
  return { configPath, config: { ...loaded, service }, readMtimeMs };
}

/** Loads the config and starts listening. Throws ConfigError for a bad file (the CLI turns it into exit 78). */
export async function runService(options: RunOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const { configPath, config, readMtimeMs } = effectiveConfig(options);
  const overrides = {
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  };
  // One worker of several (serve --workers): its log lines say which, and /metrics answers for all of them.
  const worker = cluster.isWorker ? cluster.worker?.id : undefined;
  const root = createLogger(config.service.logLevel);
  const logger = worker === undefined ? root : root.child({ worker });
  const { store, overlay, rateLimitStore } = createStores(config, env, logger);
  const demo = withDemoToken(config);
  await store.init?.().catch((error) => logger.error({ err: error }, 'store init failed'));
  let service: Service;
  try {
    const metrics =
      worker === undefined
        ? undefined
        : createMetrics({
            defaultMetrics: config.metrics.defaultMetrics,
            voucherLabels: config.metrics.voucherLabels,
          });
    service = createService(demo.config, {
      store,
      overlay,
      logger,
      ...(rateLimitStore ? { rateLimitStore } : {}),
      ...(metrics ? { metrics, metricsHandler: clusterMetricsHandler(metrics.registry) } : {}),
    });
  } catch (error) {
    // Option errors of the guard, the review router or the metrics (they carry an ERR_ code): a config problem.
    const code = (error as { code?: unknown }).code;
    if (error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_')) {
      await store.shutdown?.().catch(() => undefined);
      await overlay.close().catch(() => undefined);
      throw new ConfigError([{ path: '', message: error.message }], configPath ?? '(environment)');
    }
    throw error;
  }
  // A reload reads and validates the file as start-up does (one validation), then the service swaps the policy
  // in its one place; the command line's host and port stay as they were.
  const reload = (): boolean => {
    try {
      const reloaded = loadConfig(configPath, env);
      return service.reload({ ...reloaded, service: { ...reloaded.service, ...overrides } });
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : undefined;
      service.metrics.policyReload('invalid');
      logger.error(
        { err: error instanceof ConfigError ? undefined : error, problems },
        `config reload rejected; the previous policy stays in force: ${(error as Error).message}`,
      );
      return false;
    }
  };

  // Polled against the modification time the file had when it was read (not against a first poll, which could
  // already see an edit made while the service started), so no edit after the read is missed.
  let watcher: NodeJS.Timeout | undefined;
  if (configPath && config.service.watchConfig) {
    let seenMtimeMs = readMtimeMs;
    watcher = setInterval(() => {
      stat(configPath, (error, stats) => {
        if (error || stats.mtimeMs === seenMtimeMs) return;
        seenMtimeMs = stats.mtimeMs;
        reload();
      });
    }, 1000);
    watcher.unref();
  }
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = service.app.listen(config.service.port, config.service.host, () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = displayUrl(config.service.host, port);
  logger.info(
    {
      host: config.service.host,
      port,
      config: configPath ?? null,
      mode: service.guard.policy.mode,
      store: store.constructor.name,
    },
    `checkout-price-guard listening on ${url} (POST /v1/evaluate, POST /checkout)`,
  );
  if (demo.token) {
    logger.warn(
      { reviewUrl: `${url}/review/`, token: demo.token, role: 'admin' },
      `DEMO REVIEWER: no review token is configured and the store is embedded, so this run made a one-time admin ` +
        `token. Open ${url}/review/ and paste it: ${demo.token} (it changes at every start; configure ` +
        'review.tokens or PRICE_GUARD_REVIEW_TOKENS for real use, and set REDIS_URL, which turns this off)',
    );
  }
  void service.whenReady().then(() => logger.info('runtime floors and caps loaded: ready to judge orders'));

  let stopping: Promise<number> | undefined;
  const shutdown = (signal: string): Promise<number> => {
    if (stopping) return stopping;
    stopping = (async () => {
      logger.info({ signal, inFlight: service.inFlight() }, 'shutting down: no new connections');
      clearInterval(watcher);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await service.drain();
      logger.info('in-flight evaluations finished');
      await closed;
      const report = await service.close();
      const lost = Object.entries(report?.unflushed ?? {}).filter(([, count]) => count > 0);
      if (lost.length > 0) {
        logger.error(
          { unflushed: Object.fromEntries(lost) },
          'stopped with writes the store could not take (Redis unreachable?); they are lost',
        );
        return 1;
      }
      logger.info('store flushed; bye');
      return 0;
    })();
    return stopping;
  };

  return { service, server, config, reload, shutdown };
}

/** `serve`: runs until SIGTERM/SIGINT; exit 78 for a bad config, 0 after a clean drain, 1 after the hard timeout. */
export async function serve(options: RunOptions = {}): Promise<void> {
  if (cluster.isPrimary) {
    let config: ServiceConfig;
    try {
      config = effectiveConfig(options).config;
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`checkout-price-guard: ${error.message}\n`);
        process.exit(EX_CONFIG);
      }
      throw error;
    }
    if (config.service.workers > 1) {
      superviseWorkers(config, createLogger(config.service.logLevel).child({ role: 'primary' }));
      return;
    }
  }
  let running: RunningService | undefined;
  let pending: string | undefined;
  const stop = (signal: string) => {
    if (!running) {
      pending = signal; // arrived during start-up: stop as soon as the service is up
      return;
    }
    const { service, server, config } = running;
    const timer = setTimeout(() => {
      service.logger.error(
        { inFlight: service.inFlight(), timeoutMs: config.service.shutdownTimeoutMs },
        'shutdown timed out; exiting hard',
      );
      server.closeAllConnections();
      process.exit(1);
    }, config.service.shutdownTimeoutMs);
    running
      .shutdown(signal)
      .then((code) => {
        clearTimeout(timer);
        process.exit(code);
      })
      .catch((error) => {
        service.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  // Handlers first, so a signal during start-up is never the default (an abrupt kill).
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => running?.reload());
  try {
    running = await runService(options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`checkout-price-guard: ${error.message}\n`);
      process.exit(EX_CONFIG);
    }
    process.stderr.write(`checkout-price-guard: cannot start: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  }
  if (pending) stop(pending);
}
