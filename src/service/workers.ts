// src/service/workers.ts
// `serve` on several processes: a primary forks the service workers (node:cluster), which share the port and the
// Redis state; it restarts a worker that dies, forwards reloads, drains them all on shutdown, and serves /metrics
// summed over every worker.

import cluster, { type Worker } from 'node:cluster';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { EX_CONFIG, type ServiceConfig } from '../config/service';

/** A worker asks the primary for every worker's metrics. */
const METRICS_REQUEST = 'cpg:metrics-request';
/** The primary's answer: the Prometheus text, or why there is none. */
const METRICS_REPLY = 'cpg:metrics-reply';
/** How long a scrape waits for the primary (which waits up to 5 s for each worker). */
const METRICS_TIMEOUT_MS = 10_000;
/** A worker that dies within this long of its start counts as crashing, and is restarted more slowly. */
const CRASH_WINDOW_MS = 10_000;

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}
interface MetricsReply {
  type: typeof METRICS_REPLY;
  id: number;
  text?: string;
  error?: string;
}

/**
 * In a worker: the /metrics handler, answering with the metrics of every worker summed by the primary (counters
 * and histograms added; the gauges read from the store taken once). A scrape then sees one service, whichever
 * worker took the connection.
 */
export function clusterMetricsHandler(registry: Registry): RequestHandler {
  // Constructing one adds prom-client's listener that answers the primary with this worker's metrics.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const waiting = new Map<number, (reply: MetricsReply) => void>();
  process.on('message', (message: MetricsReply) => {
    if (message?.type !== METRICS_REPLY) return;
    waiting.get(message.id)?.(message);
  });
  return (_req, res) => {
    const id = next++;
    const timer = setTimeout(() => {
      waiting.delete(id);
      res.status(503).type('text/plain').send('metrics: the primary process did not answer\n');
    }, METRICS_TIMEOUT_MS);
    waiting.set(id, (reply) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (reply.text === undefined) {
        res
          .status(503)
          .type('text/plain')
          .send(`metrics: ${reply.error ?? 'unavailable'}\n`);
        return;
      }
      res.set('Content-Type', registry.contentType).send(reply.text);
    });
    process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
  };
}

/**
 * In the primary: forks `config.service.workers` workers running this same command, and supervises them until
 * SIGTERM or SIGINT, after which it exits with the highest exit code of the workers' shutdowns (0 when every one
 * drained cleanly). A worker that dies is restarted (after 1 s, or 10 s when it keeps dying within 10 s of its
 * start); one that exits 78 (a configuration it cannot use) stops the service with 78.
 */
export function superviseWorkers(config: ServiceConfig, logger: Logger): void {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const startedAt = new Map<number, number>();
  /** Workers that listen: a signal before that would meet a process still loading, without its handlers. */
  const listening = new Set<number>();
  const codes: number[] = [];
  const signalWhenListening = (worker: Worker, signal: NodeJS.Signals) => {
    if (listening.has(worker.id)) worker.process.kill(signal);
    else worker.once('listening', () => worker.process.kill(signal));
  };

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
    worker.on('message', (message: MetricsRequest) => {
      if (message?.type !== METRICS_REQUEST) return;
      aggregator.clusterMetrics().then(
        (text) => send(worker, { type: METRICS_REPLY, id: message.id, text }),
        (error: Error) => send(worker, { type: METRICS_REPLY, id: message.id, error: error.message }),
      );
    });
  };

  cluster.on('listening', (worker) => listening.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    const started = startedAt.get(worker.id) ?? 0;
    startedAt.delete(worker.id);
    listening.delete(worker.id);
    if (stopping) {
      codes.push(code ?? 1);
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        const worst = Math.max(0, ...codes);
        logger.info({ exitCode: worst }, 'every worker stopped; bye');
        process.exit(worst);
      }
      return;
    }
    if (code === EX_CONFIG) {
      logger.error({ worker: worker.id }, 'a worker cannot use the configuration; stopping the service');
      stopping = true;
      codes.push(EX_CONFIG);
      for (const other of Object.values(cluster.workers ?? {}))
        if (other) signalWhenListening(other, 'SIGTERM');
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(EX_CONFIG);
      return;
    }
    const crashing = Date.now() - started < CRASH_WINDOW_MS;
    const delay = crashing ? 10_000 : 1_000;
    logger.error(
      { worker: worker.id, code, signal, restartInMs: delay },
      'a worker died; starting another (its orders in flight were answered 5xx or not at all; the storefront retries)',
    );
    setTimeout(() => {
      if (!stopping) fork();
    }, delay).unref();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'shutting down every worker');
    for (const worker of Object.values(cluster.workers ?? {}))
      if (worker) signalWhenListening(worker, signal);
    // Each worker keeps its own deadline (service.shutdownTimeoutMs); this one only catches a worker that hangs.
    setTimeout(() => {
      logger.error('workers did not stop in time; exiting hard');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, config.service.shutdownTimeoutMs + 5_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    for (const worker of Object.values(cluster.workers ?? {}))
      if (worker) signalWhenListening(worker, 'SIGHUP');
  });

  logger.info(
    { workers: config.service.workers, host: config.service.host, port: config.service.port },
    `starting ${config.service.workers} workers on one port, sharing the Redis state`,
  );
  for (let index = 0; index < config.service.workers; index++) fork();
}

function send(worker: Worker, message: MetricsReply): void {
  if (worker.isConnected()) worker.send(message);
}
