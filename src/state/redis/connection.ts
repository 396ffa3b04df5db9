// src/state/redis/connection.ts
// Builds a fail-fast ioredis client (single node or Cluster) from a URL.

import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** Options of `createRedisClient`. */
export interface RedisConnectionOptions {
  /** Time limit of every Redis command, in ms; a command that takes longer rejects. Defaults to 150. */
  commandTimeoutMs?: number;
  /** Time limit of connecting, in ms. Defaults to 2,000. */
  connectTimeoutMs?: number;
  /** Retries of a command across reconnections before it rejects. Defaults to 1. */
  maxRetriesPerRequest?: number;
  /**
   * Sends the commands issued in one event-loop tick as one pipeline (ioredis `enableAutoPipelining`): under
   * load, many orders' commands share one socket write. Defaults to true.
   */
  autoPipelining?: boolean;
}

/** Where a URL points: one node, or the seed nodes of a cluster. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'cluster';
      nodes: Array<{ host: string; port: number }>;
      username?: string;
      password?: string;
      tls: boolean;
    };

/** Thrown for a REDIS_URL (or an environment variable of the store) that cannot be used. */
export class RedisConfigError extends Error {
  readonly code = 'ERR_REDIS_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

function parseHostPort(text: string, url: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(text.trim());
  const port = match?.[2] === undefined ? 6379 : Number(match[2]);
  if (!match || match[1] === '' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new RedisConfigError(
      `REDIS_URL ${JSON.stringify(url)}: "${text}" is not host:port (e.g. redis+cluster://10.0.0.1:7000,10.0.0.2:7000)`,
    );
  }
  return { host: match[1]!, port };
}

/**
 * Reads a Redis URL. `redis://` and `rediss://` (TLS) name one node; `redis+cluster://h1:p1,h2:p2` (or
 * `rediss+cluster://`) and any comma-separated list of seed nodes (`h1:p1,h2:p2` or `redis://h1:p1,redis://h2:p2`)
 * select Redis Cluster.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const text = url.trim();
  if (text === '') throw new RedisConfigError('REDIS_URL is empty; unset it to use the embedded store');
  const cluster = /^(rediss?)\+cluster:\/\/(.*)$/i.exec(text);
  if (cluster || text.includes(',')) {
    const tls = cluster ? cluster[1]!.toLowerCase() === 'rediss' : /^rediss:/i.test(text);
    let rest = cluster ? cluster[2]! : text;
    let username: string | undefined;
    let password: string | undefined;
    const parts = rest.split(',').map((part) => part.trim().replace(/^rediss?:\/\//i, ''));
    const at = parts[0]!.lastIndexOf('@');
    if (at >= 0) {
      const credentials = parts[0]!.slice(0, at);
      parts[0] = parts[0]!.slice(at + 1);
      const colon = credentials.indexOf(':');
      username = colon >= 0 ? decodeURIComponent(credentials.slice(0, colon)) || undefined : undefined;
      password = decodeURIComponent(colon >= 0 ? credentials.slice(colon + 1) : credentials);
    }
    rest = '';
    const nodes = parts
      .map((part) => part.replace(/\/.*$/, ''))
      .filter((part) => part !== '')
      .map((part) => parseHostPort(part, url));
    if (nodes.length === 0)
      throw new RedisConfigError(`REDIS_URL ${JSON.stringify(url)} names no cluster node`);
    return {
      kind: 'cluster',
      nodes,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      tls,
    };
  }
  if (!/^rediss?:\/\//i.test(text)) {
    throw new RedisConfigError(
      `REDIS_URL ${JSON.stringify(url)} must start with redis://, rediss:// or redis+cluster://`,
    );
  }
  return { kind: 'single', url: text };
}

/**
 * Creates an ioredis client that fails fast: every command has a time limit, commands are not queued while
 * disconnected, and it reconnects in the background. Returns a Cluster for cluster URLs.
 */
export function createRedisClient(url: string, options: RedisConnectionOptions = {}): Redis | Cluster {
  const target = parseRedisUrl(url);
  const common: RedisOptions = {
    commandTimeout: options.commandTimeoutMs ?? 150,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 1,
    enableOfflineQueue: false,
    enableAutoPipelining: options.autoPipelining ?? true,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
  };
  if (target.kind === 'single') return new Redis(target.url, common);
  return new Cluster(target.nodes, {
    enableOfflineQueue: false,
    enableAutoPipelining: options.autoPipelining ?? true,
    clusterRetryStrategy: (times) => Math.min(50 * times, 1_000),
    slotsRefreshTimeout: options.connectTimeoutMs ?? 2_000,
    redisOptions: {
      ...common,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}
