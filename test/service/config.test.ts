// test/service/config.test.ts
// The service's configuration: every bad file stops the real process with exit 78 and a message naming the field.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, EX_CONFIG, loadConfig, parseConfig, sha256Hex } from '../../src/config/service';
import { buildService, runFailing, type ServiceProcess, startService } from '../helpers/service-process';

let cli: string;
let dir: string;
const started: ServiceProcess[] = [];

beforeAll(() => {
  cli = buildService();
  dir = mkdtempSync(join(tmpdir(), 'cpg-config-'));
});
afterAll(async () => {
  for (const service of started) await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('a bad configuration file stops start-up with exit 78 and names each bad field', () => {
  const cases: Array<{ name: string; file: string; text: string; expected: RegExp[] }> = [
    {
      name: 'wrong types',
      file: 'types.yaml',
      text: 'service:\n  port: "eighty"\n  storeTimeoutMs: 1.5\npolicy:\n  mode: 3\n  floors:\n    A:\n      IDR: "1000"\n',
      expected: [
        /service\.port: must be a TCP port number/,
        /service\.storeTimeoutMs: must be a whole number/,
        /policy\.mode: must be "enforce" or "shadow"/,
        /policy\.floors\.A\.IDR: must be an integer amount in minor units/,
      ],
    },
    {
      name: 'an unknown rule id',
      file: 'rule.json',
      text: JSON.stringify({ policy: { rules: { zero_totals: { enabled: false } } } }),
      expected: [
        /policy\.rules\.zero_totals: is not a rule id; did you mean "zero_total"\? \(known: zero_total, /,
      ],
    },
    {
      name: 'a negative floor',
      file: 'floor.yaml',
      text: 'policy:\n  floors:\n    MJ-TOTE-TIGER:\n      IDR: -1\n',
      expected: [/policy\.floors\.MJ-TOTE-TIGER\.IDR: must not be negative/],
    },
    {
      name: 'a campaign window that ends before it starts',
      file: 'campaign.yaml',
      text:
        'policy:\n  campaigns:\n    - id: harbolnas\n      startsAt: "2026-12-13T00:00:00+07:00"\n' +
        '      endsAt: "2026-12-12T00:00:00+07:00"\n      skus: [A]\n',
      expected: [/policy\.campaigns\[0\]\.endsAt: endsAt must be after startsAt/],
    },
    {
      name: 'an unknown section and a bad token hash',
      file: 'section.yaml',
      text: 'servise:\n  port: 1\nreview:\n  tokens:\n    - name: ana\n      role: owner\n      sha256: abc\n',
      expected: [
        /servise: is not a known field; did you mean "service"\?/,
        /review\.tokens\[0\]\.role: must be "viewer", "reviewer" or "admin"/,
        /review\.tokens\[0\]\.sha256: must be 64 hex digits/,
      ],
    },
    {
      name: "two tokens with the same hash (the review router's own check, run by the config too)",
      file: 'tokens.yaml',
      text:
        'review:\n  tokens:\n' +
        `    - { name: ana, role: admin, sha256: ${'a'.repeat(64)} }\n` +
        `    - { name: bob, role: viewer, sha256: ${'a'.repeat(64)} }\n`,
      expected: [/review\.tokens\[1\]\.sha256: is used by two tokens/],
    },
    {
      name: 'invalid YAML',
      file: 'broken.yaml',
      text: 'policy: [\n',
      expected: [/broken\.yaml:\n {2}- \(root\): is not valid YAML/],
    },
  ];

  test.each(cases)('$name', async ({ file: name, text, expected }) => {
    const path = file(name, text);
    const result = await runFailing(cli, ['--config', path]);
    expect(result.code).toBe(EX_CONFIG);
    expect(result.stderr).toContain(`invalid configuration ${path}:`);
    for (const pattern of expected) expect(result.stderr).toMatch(pattern);
  });

  test('a missing file, named through PRICE_GUARD_CONFIG', async () => {
    const result = await runFailing(cli, [], { PRICE_GUARD_CONFIG: join(dir, 'nope.yaml') });
    expect(result.code).toBe(EX_CONFIG);
    expect(result.stderr).toMatch(/nope\.yaml:\n {2}- \(root\): cannot read the file: ENOENT/);
  });

  test('a bad PORT and a webhook secret variable that is not set', async () => {
    const path = file(
      'hook.yaml',
      'review:\n  webhooks:\n    - url: https://shop.example/hooks\n      secretEnv: HOOK_SECRET\n',
    );
    const result = await runFailing(cli, ['--config', path], { PORT: '99999' });
    expect(result.code).toBe(EX_CONFIG);
    expect(result.stderr).toMatch(/env\.PORT: must be a TCP port/);
    expect(result.stderr).toMatch(
      /review\.webhooks\[0\]\.secretEnv: names the environment variable HOOK_SECRET/,
    );
  });

  test('an unknown command line option exits 2 with the usage', async () => {
    const result = await runFailing(cli, ['--konfig', 'x.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option "--konfig"/);
  });
});

describe('a good configuration', () => {
  test('without REDIS_URL the service says loudly that it runs on the embedded store, and stops cleanly', async () => {
    const path = file('good.json', JSON.stringify({ policy: { floors: { A: { IDR: 1000 } } } }));
    const service = await startService(cli, { args: [`--config=${path}`] });
    started.push(service);
    const warning = await service.waitForLog((line) => /EMBEDDED IN-MEMORY/.test(line.msg));
    expect(warning.level).toBe(40);
    expect(await service.stop()).toBe(0);
  });

  test('with watchConfig, an edited file is reloaded without a signal', async () => {
    const path = file('watched.yaml', 'service:\n  watchConfig: true\npolicy:\n  mode: enforce\n');
    const service = await startService(cli, { args: ['--config', path] });
    started.push(service);
    writeFileSync(path, 'service:\n  watchConfig: true\npolicy:\n  mode: shadow\n');
    const reloaded = await service.waitForLog((line) => line.msg === 'config reloaded', 8_000);
    expect(reloaded.mode).toBe('shadow');
    expect(await service.stop()).toBe(0);
  });

  test('the example files load', () => {
    for (const example of ['examples/service.yaml', 'examples/service.json']) {
      const config = loadConfig(example, { HOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}` });
      expect(config.policy.floors).not.toEqual({});
      expect(config.review.tokens.length).toBeGreaterThan(0);
    }
  });

  const T1 = 't1'.padEnd(32, '-');
  const T2 = 't2'.padEnd(32, '-');
  const ROOT = 'root-token'.padEnd(40, '0');

  test('defaults, PORT and the token variables', () => {
    const config = parseConfig({}, undefined, {
      PORT: '8080',
      PRICE_GUARD_ADMIN_TOKEN: ROOT,
      PRICE_GUARD_REVIEW_TOKENS: `ana:reviewer:${T1}, budi:viewer:${T2}`,
      REDIS_PREFIX: 'shop1',
    });
    expect(config.service.port).toBe(8080);
    expect(config.service.bodyLimit).toBe('256kb');
    expect(config.keyPrefix).toBe('shop1');
    expect(config.review.tokens).toEqual([
      { name: 'ana', role: 'reviewer', sha256: sha256Hex(T1) },
      { name: 'budi', role: 'viewer', sha256: sha256Hex(T2) },
      { name: 'admin', role: 'admin', sha256: sha256Hex(ROOT) },
    ]);
    expect(() => parseConfig({}, 'env', { PRICE_GUARD_REVIEW_TOKENS: `ana:boss:${T1}` })).toThrow(
      ConfigError,
    );
  });

  test('a token keeps every character after the second colon, and short tokens are refused', () => {
    // Before: "ana:admin:abc:def-long" made "abc" the token.
    const token = 'abc:def-long:with:colons-0123456789abcdef';
    const config = parseConfig({}, 'env', { PRICE_GUARD_REVIEW_TOKENS: `ana:admin:${token}` });
    expect(config.review.tokens).toEqual([{ name: 'ana', role: 'admin', sha256: sha256Hex(token) }]);
    expect(config.review.tokens[0]!.sha256).not.toBe(sha256Hex('abc'));
    for (const [variable, value] of [
      ['PRICE_GUARD_REVIEW_TOKENS', 'ana:admin:x'],
      ['PRICE_GUARD_REVIEW_TOKENS', `ana:admin:${'a'.repeat(31)}`],
      ['PRICE_GUARD_ADMIN_TOKEN', 'x'],
    ] as const) {
      expect(() => parseConfig({}, 'env', { [variable]: value })).toThrow(/at least 32 characters/);
    }
    expect(() => parseConfig({}, 'env', { PRICE_GUARD_ADMIN_TOKEN: 'a'.repeat(32) })).not.toThrow();
  });

  test('an empty file is refused, whatever its format', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpg-empty-'));
    for (const name of ['empty.yaml', 'empty.json', 'blank.yml']) {
      const file = join(dir, name);
      writeFileSync(file, name === 'blank.yml' ? '\n  \n' : '');
      expect(() => loadConfig(file, {})).toThrow(/the file is empty/);
    }
  });

  test('a file without a policy says so, and can confirm it means it', () => {
    expect(parseConfig({}, 'x', {})).toMatchObject({ policyEmpty: true, confirmEmpty: false });
    expect(parseConfig({ policy: {} }, 'x', {})).toMatchObject({ policyEmpty: true });
    expect(parseConfig({ policy: {}, confirmEmpty: true }, 'x', {})).toMatchObject({ confirmEmpty: true });
    expect(parseConfig({ policy: { floors: { A: { IDR: 1 } } } }, 'x', {})).toMatchObject({
      policyEmpty: false,
    });
  });
});
