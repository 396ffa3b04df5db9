// test/adversarial/harness.ts
// The real service process on a private redis-server, with tokens and a policy file, for the adversarial suites.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { PolicyInput } from '../../src/core/policy';
import { type RedisInstance, startRedis } from '../helpers/redis';
import {
  buildService,
  type HttpResponse,
  http,
  type ServiceProcess,
  startService,
} from '../helpers/service-process';

/** Tokens the harness configures (each 32+ characters, as the service requires). */
export const TOKENS = {
  admin: 'adversarial-admin-token-0123456789abcdef',
  reviewer: 'adversarial-reviewer-token-0123456789abcdef',
};

/** One service process on one private Redis, and the calls the suites make. */
export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'cpg-adversarial-'));
  readonly configPath = join(this.dir, 'config.yaml');
  redis!: RedisInstance;
  service!: ServiceProcess;
  private cli: string | undefined;

  /** Starts Redis (once) and the service with `policy` (written to the config file). */
  async start(
    policy: PolicyInput = {},
    env: NodeJS.ProcessEnv = {},
    extra: object = {},
    options: { waitReady?: boolean } = {},
  ): Promise<void> {
    this.redis ??= await startRedis();
    this.cli ??= buildService();
    // Generous store timeouts: these suites judge what the guard decides, not how fast a busy machine lets Redis
    // answer (a dead Redis still fails at once: the client does not queue commands while it is disconnected).
    const service = { storeTimeoutMs: 10_000, ...(extra as { service?: object }).service };
    this.writeConfig({ policy, ...extra, service });
    this.service = await startService(this.cli, {
      args: ['--config', this.configPath],
      env: {
        REDIS_URL: this.redis.url,
        REDIS_COMMAND_TIMEOUT_MS: '10000',
        PRICE_GUARD_ADMIN_TOKEN: TOKENS.admin,
        PRICE_GUARD_REVIEW_TOKENS: `ana:reviewer:${TOKENS.reviewer}`,
        LOG_LEVEL: 'info',
        ...env,
      },
    });
    if (options.waitReady !== false) await this.waitReady();
  }

  /** Polls /readyz until the service judges orders (its runtime overlay is loaded). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await http(this.service.url, 'GET', '/readyz');
      if (response.status === 200) return;
      if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms: ${response.text}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Replaces the config file (for reload tests); `text` as given when a string. */
  writeConfig(config: object | string): void {
    writeFileSync(this.configPath, typeof config === 'string' ? config : stringify(config));
  }

  /** Stops the service (SIGTERM) and resolves with its exit code. */
  stopService(): Promise<number | null> {
    return this.service.stop();
  }

  async close(): Promise<void> {
    await this.service?.stop();
    await this.redis?.stop();
  }

  evaluate(body: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return http(this.service.url, 'POST', '/v1/evaluate', { body, headers });
  }

  checkout(body: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return http(this.service.url, 'POST', '/checkout', { body, headers });
  }

  raw(method: string, path: string, options: Parameters<typeof http>[3] = {}): Promise<HttpResponse> {
    return http(this.service.url, method, path, options);
  }

  admin(method: string, path: string, body?: unknown, token = TOKENS.admin): Promise<HttpResponse> {
    return http(this.service.url, method, `/v1/admin${path}`, {
      ...(body === undefined ? {} : { body }),
      headers: { authorization: `Bearer ${token}` },
    });
  }

  review(method: string, path: string, body?: unknown, token = TOKENS.reviewer): Promise<HttpResponse> {
    return http(this.service.url, method, `/review/api${path}`, {
      ...(body === undefined ? {} : { body }),
      headers: { authorization: `Bearer ${token}` },
    });
  }

  /** The value of one metric series from /metrics (0 when absent). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const { text } = await this.raw('GET', '/metrics');
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    for (const line of text.split('\n')) {
      if (!line.startsWith(`checkout_price_guard_${name}`)) continue;
      const [series, value] = line.split(' ');
      if (wanted.every((label) => series!.includes(label))) return Number(value);
    }
    return 0;
  }
}

let sequence = 0;

/** A valid IDR order whose total adds up; `overrides` replace fields. */
export function idrOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  const lines = (overrides.lines as Array<Record<string, number>> | undefined) ?? [
    { sku: 'MJ-TOTE-TIGER', quantity: 1, unitPrice: 4_700_000, discount: 0 },
  ];
  const vouchers = (overrides.vouchers as Array<{ discount?: number }> | undefined) ?? [];
  let total = 0;
  for (const line of lines) total += (line.unitPrice ?? 0) * (line.quantity ?? 1) - (line.discount ?? 0);
  for (const voucher of vouchers) total -= voucher.discount ?? 0;
  return {
    orderId: `adv-${process.pid}-${sequence}`,
    currency: 'IDR',
    customerId: `cus-${sequence}`,
    paymentMethod: 'ewallet:ovo',
    lines,
    vouchers,
    total,
    ...overrides,
  };
}
