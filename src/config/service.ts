// src/config/service.ts
// The service's configuration file (JSON or YAML): loading, environment overrides, precise errors.

import { DEFAULT_ORDER_LIMITS, type OrderLimits } from '../core/order';
import { type Policy, type PolicyInput, policySchema } from '../core/policy';
import { type Problem, toProblems } from '../core/problems';
import type { Mode } from '../core/types';
import { DEFAULT_EVENT_TYPES, type EventType, webhookSecretProblem } from '../core/webhook-contract';
import { readDocument } from './document';
import { envHost, envPort, parseEnvTokens, sha256Hex, tokenProblem } from './service-env';
import { explain } from './service-hints';
import { configSchema, type TokenConfig } from './service-schema';
import { parseWorkers, resolveWorkers, WORKERS_MESSAGE, WORKERS_NEED_REDIS } from './service-workers';

// What importers take from here, wherever it now lives.
export { MIN_TOKEN_LENGTH, sha256Hex } from './service-env';
export { configSchema, isListenHost, type TokenConfig } from './service-schema';
export {
  autoWorkers,
  MAX_WORKERS,
  parseWorkers,
  resolveWorkers,
  WORKERS_NEED_REDIS,
} from './service-workers';

/** Exit code for a bad configuration (sysexits.h EX_CONFIG). */
export const EX_CONFIG = 78;

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
  /** Currencies whose amounts use another exponent than the guard's table (`currencies` in the file). */
  currencies: Record<string, number>;
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
    currencies: Object.fromEntries(
      Object.entries(parsed.data.currencies).map(([code, { exponent }]) => [code, exponent]),
    ),
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
