// test/webhooks/config.test.ts
// Webhook endpoints in the service configuration: the event types each one takes, and Standard Webhooks secrets.

import { ConfigError, parseConfig } from '../../src/config/service';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

function problems(data: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(data, 'test.yaml', env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
}

const hooks = (...endpoints: unknown[]) => ({ review: { webhooks: endpoints } });

describe('review.webhooks in the configuration', () => {
  test('an endpoint takes the decisions by default, or the event types it lists', () => {
    const config = parseConfig(
      hooks(
        { url: 'https://shop.example/hooks', secretEnv: 'HOOK_SECRET' },
        { url: 'https://ops.example/hooks', secret: SECRET, events: ['order.held', 'voucher.tripped'] },
      ),
      'test.yaml',
      { HOOK_SECRET: SECRET },
    );
    expect(config.review.webhooks).toEqual([
      { url: 'https://shop.example/hooks', secret: SECRET, events: ['order.released', 'order.cancelled'] },
      { url: 'https://ops.example/hooks', secret: SECRET, events: ['order.held', 'voucher.tripped'] },
    ]);
  });

  test('an unknown or empty event list is refused, naming the field and the known types', () => {
    expect(
      problems(hooks({ url: 'https://shop.example/hooks', secret: SECRET, events: ['order.shipped'] })),
    ).toEqual([
      expect.stringMatching(
        /^review\.webhooks\[0\]\.events\[0\]: must be one of order\.held, order\.released/,
      ),
    ]);
    expect(problems(hooks({ url: 'https://shop.example/hooks', secret: SECRET, events: [] }))).toEqual([
      expect.stringMatching(/^review\.webhooks\[0\]\.events: must name at least one of order\.held/),
    ]);
  });

  test('a secret must be whsec_ and the base64 of 24 to 64 bytes, wherever it comes from', () => {
    expect(
      problems(hooks({ url: 'https://shop.example/hooks', secret: 'a-plain-old-secret-0123456789' })),
    ).toEqual([
      expect.stringMatching(
        /^review\.webhooks\[0\]\.secret: it must be a Standard Webhooks secret: "whsec_"/,
      ),
    ]);
    expect(
      problems(hooks({ url: 'https://shop.example/hooks', secretEnv: 'HOOK_SECRET' }), {
        HOOK_SECRET: `whsec_${Buffer.alloc(8).toString('base64')}`,
      }),
    ).toEqual([
      expect.stringMatching(
        /^review\.webhooks\[0\]\.secretEnv: HOOK_SECRET \(named by secretEnv\) must hold 24 to 64 random bytes/,
      ),
    ]);
    expect(
      problems(hooks({ url: 'https://shop.example/hooks' }), {
        PRICE_GUARD_WEBHOOK_SECRET: 'whsec_not base64!',
      }),
    ).toEqual([
      expect.stringMatching(
        /^review\.webhooks\[0\]\.secret: PRICE_GUARD_WEBHOOK_SECRET must be "whsec_" then standard base64/,
      ),
    ]);
  });
});
