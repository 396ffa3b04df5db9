// src/config/service.ts
// The service's configuration file (JSON or YAML): loading, environment overrides, precise errors.

import { knownKeysAt } from '../core/known-keys';
import type { OrderLimits } from '../core/order';
import { type Policy, policySchema } from '../core/policy';
import { PREFLIGHT_WITHIN_MS } from '../core/preflight/types';
import { parseWithin } from '../core/preflight/within';
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
  /**
   * @param barePolicy the file is a bare policy: said as `invalid FILE`, the way a policy error says it, rather
   *   than `invalid configuration FILE`.
   */
  constructor(
    readonly problems: Problem[],
    readonly source: string,
    barePolicy = false,
  ) {
    super(
      `invalid ${barePolicy ? '' : 'configuration '}${source}:\n${problems.map((problem) => `  - ${problem.path || '(root)'}: ${problem.message}`).join('\n')}`,
    );
    this.name = this.constructor.name;
  }
}

/** The loaded configuration: sections validated, defaults applied, environment merged. */
export interface ServiceConfig {
  /** The file it came from, if any. */
  source: string | undefined;
  /**
   * True when the file is a bare policy (policy fields at the top level, no `policy:` section): it is read as the
   * policy section of a configuration with every other section at its defaults.
   */
  barePolicy: boolean;
  /** True when the file has no policy, or an empty one: the defaults alone. */
  policyEmpty: boolean;
  /** The file says an empty policy is meant (`confirmEmpty: true`). */
  confirmEmpty: boolean;
  /** The file says removing most of the running policy's terms is meant (`confirmRemovals: true`). */
  confirmRemovals: boolean;
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
    /** The review and admin APIs' one budget: requests per token (per address before authentication) per window. */
    rateLimit: { windowMs: number; limit: number } | false;
    watchConfig: boolean;
    /**
     * The background preflight of the policy in force (`service.preflight`): on unless `enabled: false`, looking
     * `withinMs` ahead.
     */
    preflight: { enabled: boolean; withinMs: number };
    logLevel: string;
  };
  review: {
    tokens: TokenConfig[];
    /** The IANA time zone the review page shows times in (`review.timeZone`, else UTC). */
    timeZone: string;
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
  // A bare policy file (what preflight, replay and policyFile read) is the policy section of a configuration.
  const barePolicy = isBarePolicy(data);
  if (barePolicy) data = { policy: data };
  const parsed = configSchema.safeParse(data ?? {});
  if (!parsed.success)
    problems.push(
      ...toProblems(parsed.error.issues, { schema: configSchema }).map((problem) => explain(problem)),
    );
  const rawPolicy = (data as { policy?: unknown } | null)?.policy ?? {};
  const policy = policySchema.safeParse(rawPolicy);
  if (!policy.success) {
    // A bare policy's fields are at the top of its file, and named so.
    const within = (path: string) => (barePolicy ? path : path ? `policy.${path}` : 'policy');
    for (const problem of toProblems(policy.error.issues, { schema: policySchema })) {
      problems.push(explain({ path: within(problem.path), message: problem.message }, barePolicy));
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
  if (problems.length > 0 || !parsed.success || !policy.success)
    throw new ConfigError(problems, label, barePolicy);

  const { service, review, metrics } = parsed.data;
  return {
    source,
    barePolicy,
    policyEmpty:
      rawPolicy === null || typeof rawPolicy !== 'object' || Object.keys(rawPolicy as object).length === 0,
    confirmEmpty: parsed.data.confirmEmpty === true,
    confirmRemovals: parsed.data.confirmRemovals === true,
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
      limits: service.limits,
      retryAfterSeconds: service.retryAfterSeconds,
      shutdownTimeoutMs: service.shutdownTimeoutMs,
      overlayRefreshMs: service.overlayRefreshMs,
      rateLimit: service.rateLimit,
      watchConfig: service.watchConfig,
      preflight: {
        enabled: service.preflight.enabled,
        withinMs: parseWithin(service.preflight.within) ?? PREFLIGHT_WITHIN_MS,
      },
      logLevel: env.LOG_LEVEL || service.logLevel,
    },
    review: { tokens: [...review.tokens, ...envTokens], timeZone: review.timeZone, webhooks },
    metrics,
    redisUrl,
    keyPrefix: env.REDIS_PREFIX || 'cpg',
  };
}

/** Top-level keys of a configuration file; a policy has none of them. */
const CONFIG_KEYS = Object.keys(configSchema.shape);
/** Top-level fields of a policy. */
const POLICY_KEYS = new Set(knownKeysAt(policySchema, []));

/**
 * True when a document is a bare policy rather than a configuration: an object with no configuration section
 * (`policy`, `currencies`, `service`, `review`, `metrics`, `confirmEmpty`, ...) and at least one policy field (`mode`, `floors`, ...).
 * The two sets of keys are disjoint, so a document is never both; one with neither is read as a configuration (its
 * unknown keys are named, with a "did you mean").
 */
export function isBarePolicy(data: unknown): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  const keys = Object.keys(data);
  return !keys.some((key) => CONFIG_KEYS.includes(key)) && keys.some((key) => POLICY_KEYS.has(key));
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

/**
 * The policy of a file that is a configuration or a bare policy, checked as `serve` checks it, the file alone (no
 * environment: preflight and replay need no secret). Throws ConfigError for either kind.
 */
export function loadPolicyOf(path: string): { policy: Policy; kind: 'service configuration' | 'policy' } {
  const config = loadConfig(path, {}, { environment: false });
  return { policy: config.policy, kind: config.barePolicy ? 'policy' : 'service configuration' };
}
