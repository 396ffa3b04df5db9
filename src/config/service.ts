// src/config/service.ts
// The service's configuration file (JSON or YAML): zod schema, loading, environment overrides, precise errors.

import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_ORDER_LIMITS, type OrderLimits } from '../core/order';
import { type Policy, type PolicyInput, policySchema } from '../core/policy';
import { type Problem, toProblems } from '../core/problems';
import { sha256 as hashSha256 } from '../core/sha256';
import { closest } from '../core/suggest';
import { type Mode, RULE_IDS } from '../core/types';
import {
  DEFAULT_EVENT_TYPES,
  EVENT_TYPES,
  type EventType,
  webhookSecretProblem,
} from '../core/webhook-contract';
import { readDocument } from './document';

/** Exit code for a bad configuration (sysexits.h EX_CONFIG). */
export const EX_CONFIG = 78;
/** Most worker processes `service.workers` may ask for. */
export const MAX_WORKERS = 256;

/** Thrown when the configuration file is missing or invalid; `problems` names every bad field by its path. */
export class ConfigError extends Error {
  readonly code = 'ERR_INVALID_CONFIG';
  constructor(
    readonly problems: Problem[],
    readonly source: string,
  ) {
    super(
      `invalid configuration ${source}:\n${problems.map((problem) => `  - ${problem.path || '(root)'}: ${problem.message}`).join('\n')}`,
    );
    this.name = this.constructor.name;
  }
}

const positive = (what: string) =>
  z
    .number({ error: `must be a whole number (${what})` })
    .int({ error: `must be a whole number (${what})` })
    .min(1, { error: `must be at least 1 (${what})` });
const sha256 = z
  .string({ error: 'must be the hex SHA-256 of the token (echo -n TOKEN | sha256sum)' })
  .regex(/^[0-9a-f]{64}$/i, {
    error: 'must be 64 hex digits: the SHA-256 of the token (echo -n TOKEN | sha256sum)',
  });
const bodyLimit = z.union([
  positive('bytes'),
  z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, { error: 'must be a size such as "256kb" or "1mb", or a number of bytes' }),
]);

/** The address the service listens on: an IP address (`0.0.0.0` for every interface) or a host name. */
export function isListenHost(value: string): boolean {
  return (
    isIP(value) !== 0 ||
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(
      value,
    )
  );
}

const HOST_MESSAGE = 'must be an IP address or a host name, e.g. "127.0.0.1" or "0.0.0.0" (every interface)';
const WORKERS_MESSAGE = `must be a whole number of processes from 1 to ${MAX_WORKERS}, or "auto" (one per CPU)`;
const workersValue = z.union([z.number().int().min(1).max(MAX_WORKERS), z.literal('auto')], {
  error: WORKERS_MESSAGE,
});

/**
 * Reads a worker count as written on the command line or in WORKERS: a whole number of processes, or "auto".
 * Returns undefined for anything else.
 */
export function parseWorkers(text: string): number | 'auto' | undefined {
  const value = text.trim();
  if (value === 'auto') return 'auto';
  if (!/^\d+$/.test(value)) return undefined;
  const count = Number(value);
  return count >= 1 && count <= MAX_WORKERS ? count : undefined;
}

/** The number of processes "auto" stands for: the CPUs this process may run on. */
export function autoWorkers(): number {
  return availableParallelism();
}

const serviceSection = z.strictObject({
  /** Overridden by the HOST environment variable and `serve --host`. */
  host: z.string({ error: HOST_MESSAGE }).refine(isListenHost, { error: HOST_MESSAGE }).optional(),
  /** Overridden by the PORT environment variable and `serve --port`. */
  port: z
    .number({ error: 'must be a TCP port number (0-65535)' })
    .int({ error: 'must be a TCP port number (0-65535)' })
    .min(0, { error: 'must be a TCP port number (0-65535)' })
    .max(65_535, { error: 'must be a TCP port number (0-65535)' })
    .optional(),
  /**
   * Processes serving the port (node:cluster), each judging orders on the shared Redis state: a number, or "auto"
   * for one per CPU. Overridden by WORKERS and `serve --workers`. Defaults to "auto" with REDIS_URL, else 1.
   */
  workers: workersValue.optional(),
  bodyLimit: bodyLimit.default('256kb'),
  storeTimeoutMs: positive('milliseconds').default(200),
  mode: z.enum(['enforce', 'shadow'], { error: 'must be "enforce" or "shadow"' }).optional(),
  limits: z
    .strictObject({
      maxLines: positive('lines').optional(),
      maxQuantity: positive('units').optional(),
      maxVouchers: positive('vouchers').optional(),
      strict: z.boolean({ error: 'must be true or false' }).optional(),
    })
    .default({}),
  retryAfterSeconds: positive('seconds').default(2),
  shutdownTimeoutMs: positive('milliseconds').default(10_000),
  overlayRefreshMs: positive('milliseconds').default(2_000),
  watchConfig: z.boolean({ error: 'must be true or false' }).default(false),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
});

const reviewSection = z.strictObject({
  tokens: z
    .array(
      z.strictObject({
        name: z
          .string({ error: 'must be a string' })
          .regex(/^[A-Za-z0-9._@-]{1,64}$/, { error: 'must be 1-64 letters, digits, ".", "_", "@" or "-"' }),
        role: z.enum(['viewer', 'reviewer', 'admin'], { error: 'must be "viewer", "reviewer" or "admin"' }),
        sha256,
      }),
    )
    .default([]),
  webhooks: z
    .array(
      z.strictObject({
        url: z.url({ error: 'must be an http(s) URL' }),
        /** The signing secret (`whsec_` + base64, Standard Webhooks); prefer secretEnv so the file holds no secret. */
        secret: z.string({ error: 'must be a string' }).optional(),
        /** Name of the environment variable holding the signing secret. */
        secretEnv: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'must be an environment variable name' })
          .optional(),
        /** Event types it receives. Defaults to order.released and order.cancelled. */
        events: z
          .array(z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(', ')}` }))
          .min(1, { error: `must name at least one of ${EVENT_TYPES.join(', ')}` })
          .optional(),
      }),
    )
    .default([]),
});

const metricsSection = z.strictObject({
  defaultMetrics: z.boolean({ error: 'must be true or false' }).default(true),
  voucherLabels: z.array(z.string().min(1).max(64)).default([]),
});

/** The configuration file's schema. The `policy` section is the policy schema of src/policy.ts, unchanged. */
export const configSchema = z.strictObject({
  policy: z.unknown().optional(),
  /**
   * Say `true` to apply a file whose policy is empty while the running one is not (a reload that would drop every
   * floor, cap, campaign and voucher term is refused otherwise).
   */
  confirmEmpty: z.boolean({ error: 'must be true or false' }).optional(),
  service: serviceSection.default(() => serviceSection.parse({})),
  review: reviewSection.default(() => reviewSection.parse({})),
  metrics: metricsSection.default(() => metricsSection.parse({})),
});

/** A review token as configured: the name is the audit actor, the SHA-256 is compared in constant time. */
export interface TokenConfig {
  name: string;
  role: 'viewer' | 'reviewer' | 'admin';
  sha256: string;
}

/** The loaded configuration: sections validated, defaults applied, environment merged. */
export interface ServiceConfig {
  /** The file it came from, if any. */
  source: string | undefined;
  /** The policy section as written (for resolveOptions, which validates it again). */
  policyInput: PolicyInput;
  /** True when the file has no policy, or an empty one: the defaults alone. */
  policyEmpty: boolean;
  /** The file says an empty policy is meant (`confirmEmpty: true`). */
  confirmEmpty: boolean;
  /** The policy section validated. */
  policy: Policy;
  service: {
    /** The listening address: `--host`, HOST, `service.host`, else 127.0.0.1 (the Docker image sets HOST=0.0.0.0). */
    host: string;
    port: number;
    /** Processes serving the port: `--workers`, WORKERS, `service.workers`, else one per CPU with Redis, 1 without. */
    workers: number;
    bodyLimit: string | number;
    storeTimeoutMs: number;
    mode: Mode | undefined;
    limits: OrderLimits;
    retryAfterSeconds: number;
    shutdownTimeoutMs: number;
    overlayRefreshMs: number;
    watchConfig: boolean;
    logLevel: string;
  };
  review: {
    tokens: TokenConfig[];
    webhooks: Array<{ url: string; secret: string | undefined; events: EventType[] }>;
  };
  metrics: { defaultMetrics: boolean; voucherLabels: string[] };
  /** REDIS_URL, when given. */
  redisUrl: string | undefined;
  /** Key prefix of everything the service keeps in Redis (REDIS_PREFIX, as the Redis store reads it). */
  keyPrefix: string;
}

/** Rewrites zod's messages where a config author needs a better hint. */
function explain(problem: Problem): Problem {
  const rule = /^policy\.rules\.([^.[]+)$/.exec(problem.path)?.[1];
  if (rule !== undefined && problem.message.startsWith('is not a known field')) {
    const guess = closest(rule, RULE_IDS);
    const hint = guess ? `; did you mean "${guess}"?` : '';
    return { path: problem.path, message: `is not a rule id${hint} (known: ${RULE_IDS.join(', ')})` };
  }
  return problem;
}

/** The HOST variable, or undefined when it is not set. */
function envHost(env: NodeJS.ProcessEnv, problems: Problem[]): string | undefined {
  if (env.HOST === undefined || env.HOST === '') return undefined;
  if (!isListenHost(env.HOST)) {
    problems.push({ path: 'env.HOST', message: `${HOST_MESSAGE}, got ${JSON.stringify(env.HOST)}` });
    return undefined;
  }
  return env.HOST;
}

/** Parses the PORT variable, or undefined when it is not set. */
function envPort(env: NodeJS.ProcessEnv, problems: Problem[]): number | undefined {
  if (env.PORT === undefined || env.PORT === '') return undefined;
  const port = Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    problems.push({
      path: 'env.PORT',
      message: `must be a TCP port (0-65535), got ${JSON.stringify(env.PORT)}`,
    });
    return undefined;
  }
  return port;
}

/** How much parseConfig checks besides the file. */
export interface ConfigCheckOptions {
  /**
   * Read the environment (PORT, HOST, tokens, webhook secrets) and require the secrets a webhook names.
   * `false` checks the file alone, for CI pipelines that do not hold production secrets. Defaults to true.
   */
  environment?: boolean;
}

/**
 * Validates a configuration object (the parsed file) and merges the environment:
 * HOST, PORT, REDIS_URL, REDIS_PREFIX, PRICE_GUARD_ADMIN_TOKEN, PRICE_GUARD_REVIEW_TOKENS, LOG_LEVEL, webhook `secretEnv` variables.
 * Throws a ConfigError naming every bad field.
 */
export function parseConfig(
  data: unknown,
  source: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  options: ConfigCheckOptions = {},
): ServiceConfig {
  const label = source ?? '(built-in defaults)';
  // The file alone (validate-config --ignore-env): no variable is read, so none can be missing.
  const withEnv = options.environment !== false;
  if (!withEnv) env = {};
  const problems: Problem[] = [];
  const parsed = configSchema.safeParse(data ?? {});
  if (!parsed.success)
    problems.push(...toProblems(parsed.error.issues, { schema: configSchema }).map(explain));
  const rawPolicy = (data as { policy?: unknown } | null)?.policy ?? {};
  const policy = policySchema.safeParse(rawPolicy);
  if (!policy.success) {
    for (const problem of toProblems(policy.error.issues, { schema: policySchema })) {
      problems.push(
        explain({ path: problem.path ? `policy.${problem.path}` : 'policy', message: problem.message }),
      );
    }
  }
  const host = envHost(env, problems);
  const port = envPort(env, problems);
  let envWorkers: number | 'auto' | undefined;
  if (env.WORKERS !== undefined && env.WORKERS !== '') {
    envWorkers = parseWorkers(env.WORKERS);
    if (envWorkers === undefined)
      problems.push({
        path: 'env.WORKERS',
        message: `${WORKERS_MESSAGE}, got ${JSON.stringify(env.WORKERS)}`,
      });
  }
  const redisUrl = env.REDIS_URL || undefined;
  const workersWanted = envWorkers ?? (parsed.success ? parsed.data.service.workers : undefined);
  const workers = resolveWorkers(workersWanted, redisUrl);
  if (workers > 1 && !redisUrl) {
    problems.push({
      path: envWorkers !== undefined ? 'env.WORKERS' : 'service.workers',
      message: WORKERS_NEED_REDIS,
    });
  }
  const webhooks: ServiceConfig['review']['webhooks'] = [];
  if (parsed.success) {
    parsed.data.review.webhooks.forEach((hook, index) => {
      const secret = hook.secretEnv ? env[hook.secretEnv] : hook.secret;
      if (withEnv && hook.secretEnv && !secret) {
        problems.push({
          path: `review.webhooks[${index}].secretEnv`,
          message: `names the environment variable ${hook.secretEnv}, which is not set`,
        });
      }
      const resolved = secret ?? env.PRICE_GUARD_WEBHOOK_SECRET;
      if (withEnv && !hook.secretEnv && !resolved) {
        problems.push({
          path: `review.webhooks[${index}]`,
          message: 'needs a signing secret: set secretEnv (preferred), secret, or PRICE_GUARD_WEBHOOK_SECRET',
        });
      }
      const problem = resolved ? webhookSecretProblem(resolved) : undefined;
      if (problem) {
        const where = hook.secretEnv
          ? `${hook.secretEnv} (named by secretEnv)`
          : hook.secret
            ? 'it'
            : 'PRICE_GUARD_WEBHOOK_SECRET';
        problems.push({
          path: `review.webhooks[${index}].${hook.secretEnv ? 'secretEnv' : 'secret'}`,
          message: `${where} ${problem}`,
        });
      }
      webhooks.push({ url: hook.url, secret: resolved, events: hook.events ?? [...DEFAULT_EVENT_TYPES] });
    });
  }
  const envTokens = parseEnvTokens(env.PRICE_GUARD_REVIEW_TOKENS, problems);
  if (env.PRICE_GUARD_ADMIN_TOKEN) {
    const weak = tokenProblem(env.PRICE_GUARD_ADMIN_TOKEN);
    if (weak !== undefined) problems.push({ path: 'env.PRICE_GUARD_ADMIN_TOKEN', message: weak });
    else envTokens.push({ name: 'admin', role: 'admin', sha256: sha256Hex(env.PRICE_GUARD_ADMIN_TOKEN) });
  }
  if (problems.length > 0 || !parsed.success || !policy.success) throw new ConfigError(problems, label);

  const { service, review, metrics } = parsed.data;
  const limits: OrderLimits = { ...DEFAULT_ORDER_LIMITS };
  for (const [key, value] of Object.entries(service.limits)) {
    if (value !== undefined) (limits as unknown as Record<string, unknown>)[key] = value;
  }
  return {
    source,
    policyInput: rawPolicy as PolicyInput,
    policyEmpty:
      rawPolicy === null || typeof rawPolicy !== 'object' || Object.keys(rawPolicy as object).length === 0,
    confirmEmpty: parsed.data.confirmEmpty === true,
    policy: policy.data,
    service: {
      host: host ?? service.host ?? '127.0.0.1',
      port: port ?? service.port ?? 3000,
      workers,
      bodyLimit: service.bodyLimit,
      storeTimeoutMs: service.storeTimeoutMs,
      mode: service.mode,
      limits,
      retryAfterSeconds: service.retryAfterSeconds,
      shutdownTimeoutMs: service.shutdownTimeoutMs,
      overlayRefreshMs: service.overlayRefreshMs,
      watchConfig: service.watchConfig,
      logLevel: env.LOG_LEVEL || service.logLevel,
    },
    review: { tokens: [...review.tokens, ...envTokens], webhooks },
    metrics,
    redisUrl,
    keyPrefix: env.REDIS_PREFIX || 'cpg',
  };
}

/** Why several workers need Redis. */
export const WORKERS_NEED_REDIS =
  'must be 1 without REDIS_URL: the embedded store lives in one process, so several workers would each hold a ' +
  'different queue and history; set REDIS_URL to run several';

/** The worker count for a wish (a number, "auto" or nothing): nothing means one per CPU with Redis, else 1. */
export function resolveWorkers(wanted: number | 'auto' | undefined, redisUrl: string | undefined): number {
  if (wanted === 'auto' || (wanted === undefined && redisUrl)) return autoWorkers();
  return wanted ?? 1;
}

/** `name:role:token,...` from PRICE_GUARD_REVIEW_TOKENS, hashed at once so the plain token is not kept. */
function parseEnvTokens(value: string | undefined, problems: Problem[]): TokenConfig[] {
  if (!value) return [];
  const tokens: TokenConfig[] = [];
  value
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .forEach((entry, index) => {
      if (entry === '') return;
      const path = `env.PRICE_GUARD_REVIEW_TOKENS[${index}]`;
      // name and role end at the first two colons; the token is everything after them, colons included.
      const first = entry.indexOf(':');
      const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
      const name = first < 0 ? entry : entry.slice(0, first);
      const role = second < 0 ? '' : entry.slice(first + 1, second);
      const token = second < 0 ? '' : entry.slice(second + 1);
      if (
        !/^[A-Za-z0-9._@-]{1,64}$/.test(name) ||
        (role !== 'viewer' && role !== 'reviewer' && role !== 'admin')
      ) {
        problems.push({
          path,
          message: 'must be name:role:token (name: letters, digits, ._@-; role: viewer, reviewer or admin)',
        });
        return;
      }
      const weak = tokenProblem(token);
      if (weak !== undefined) {
        problems.push({ path, message: `the token of "${name}" ${weak}` });
        return;
      }
      tokens.push({ name, role, sha256: sha256Hex(token) });
    });
  return tokens;
}

/** Shortest token accepted from the environment: 32 characters (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_LENGTH = 32;

/** Why a token given in plain text is refused, or undefined. */
function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) {
    return `must be at least ${MIN_TOKEN_LENGTH} characters (it has ${token.length}); make one with: openssl rand -hex 32`;
  }
  if (/\s/.test(token)) return 'must not contain white space';
  return undefined;
}

/** Hex SHA-256 of a string. */
export function sha256Hex(value: string): string {
  return hashSha256(value, 'hex');
}

/** Reads and validates the configuration file (JSON, or YAML by extension); without a path, defaults and env. */
export function loadConfig(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  options: ConfigCheckOptions = {},
): ServiceConfig {
  if (path === undefined) return parseConfig({}, undefined, env, options);
  const document = readDocument(path);
  if (!document.ok) throw new ConfigError([document.problem], path);
  return parseConfig(document.data, path, env, options);
}
