// test/cli/preflight.test.ts
// `checkout-price-guard preflight` as a user runs it: reports, JSON, exit codes, both kinds of config, mistakes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EX_CONFIG, isBarePolicy } from '../../src/config/service';
import type { PreflightReport } from '../../src/core/preflight';
import { type RunResult, run } from '../helpers/run';
import { buildService } from '../helpers/service-process';

const ROOT = join(__dirname, '..', '..');
const LAUNCH = ['--config', 'examples/policy.launch.yaml', '--at', '2026-12-12T10:00:00+07:00'];
const HARBOLNAS = [
  '--config',
  'examples/policy.harbolnas.yaml',
  '--catalog',
  'examples/catalog.harbolnas.csv',
  '--at',
  '2026-11-11T00:00:00+07:00',
];

let cli: string;
let dir: string;

beforeAll(() => {
  cli = buildService();
  dir = mkdtempSync(join(tmpdir(), 'cpg-preflight-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `preflight ARGS` from the repository root with only PATH set. */
function preflight(args: string[]): Promise<RunResult> {
  return run(process.execPath, [cli, 'preflight', ...args], { cwd: ROOT, env: { PATH: process.env.PATH } });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('preflight reports', () => {
  it('exits 1 on errors and prints each with the combination that reaches it', async () => {
    const { code, stdout, stderr } = await preflight(LAUNCH);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toContain('examples/policy.launch.yaml (policy)\nPreflight at 2026-12-12T03:00:00.000Z');
    expect(stdout).toContain(
      'free: MJ-TOTE-TIGER can be had for nothing in IDR (list price IDR 4,700,000) at the price of\n' +
        '      campaign tote-markdown (100% off).',
    );
    expect(stdout).toContain('below_floor: MJ-KEYCHAIN can be paid IDR 35,000 a unit');
    expect(stdout).toContain('voucher_unrestricted: Voucher BANKX100K looks meant for a few');
    expect(stdout).toMatch(/\n3 errors, 3 warnings\.\n$/);
  });

  it('--json prints the whole report', async () => {
    const { code, stdout } = await preflight([...LAUNCH, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as PreflightReport;
    expect(report).toMatchObject({ ok: false, summary: { skus: 4, rows: 4, errors: 3, warnings: 3 } });
    expect(report.errors.map((error) => [error.code, error.sku])).toEqual([
      ['below_floor', 'MJ-KEYCHAIN'],
      ['below_floor', 'MJ-SNAPSHOT'],
      ['free', 'MJ-TOTE-TIGER'],
    ]);
    expect(report.skus.find((row) => row.sku === 'MJ-KEYCHAIN')).toMatchObject({
      lowest: 35_000,
      combination: {
        campaign: 'flash-1212',
        campaignDiscountBp: 7000,
        vouchers: ['BANKX100K'],
        minSubtotal: 150_000,
      },
    });
  });

  it('exits 0 with warnings alone, and 1 with --strict', async () => {
    const clean = await preflight(HARBOLNAS);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('40 prices of 40 SKUs (IDR)');
    expect(clean.stdout).toContain('Campaigns active: harbolnas-1111 (40 prices).');
    expect(clean.stdout).toMatch(/\n0 errors, 17 warnings\.\n$/);
    expect((await preflight([...HARBOLNAS, '--strict'])).code).toBe(1);
    // Before the sale the campaign is not active, and the report says how to judge it.
    const before = await preflight([
      '--config',
      'examples/policy.harbolnas.yaml',
      '--at',
      '2026-11-01T00:00:00Z',
    ]);
    expect(before.stdout).toContain('Not active at any instant judged, so not checked: harbolnas-1111');
  });

  it('reads the policy section of a service configuration, without its secrets', async () => {
    const { code, stdout } = await preflight(['--config', 'examples/service.yaml', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as PreflightReport).campaigns.map((campaign) => campaign.id)).toEqual([
      'harbolnas-12-12',
    ]);
    expect((await preflight(['--config', 'examples/service.yaml'])).stdout).toMatch(
      /^examples\/service\.yaml \(service configuration\)\n/,
    );
  });

  it('takes a JSON catalog too', async () => {
    const catalog = file('catalog.json', JSON.stringify({ 'mj-keychain': { IDR: 10_000 } }));
    const { stdout } = await preflight([...LAUNCH, '--catalog', catalog, '--json']);
    const report = JSON.parse(stdout) as PreflightReport;
    expect(report.skus.find((row) => row.sku === 'MJ-KEYCHAIN')).toMatchObject({
      listPrice: 10_000,
      listPriceFrom: 'catalog',
    });
  });
});

describe('preflight --within', () => {
  /** A sale in 3 days whose own launch code, stacked on its prices, goes under its floor. */
  const SALE = [
    'catalog: { TOTE: { IDR: 1000000 } }',
    'campaigns:',
    '  - { id: flash, skus: [TOTE], startsAt: "2026-11-14T00:00:00+07:00", endsAt: "2026-11-15T00:00:00+07:00",',
    '      lineDiscountCapBp: 5000, floorBp: 4500 }',
    'vouchers:',
    '  LAUNCH20: { startsAt: "2026-11-14T00:00:00+07:00", discount: { percentBp: 2000, max: { IDR: 200000 } },',
    '    maxUses: 1000, maxUsesPerCustomer: 1, budget: { IDR: 100000000 } }',
    '',
  ].join('\n');
  const AT = ['--at', '2026-11-11T12:00:00+07:00'];

  it('judges the window starts of the next 7 days by default, and exits 1 on a conflict ahead', async () => {
    const config = file('sale.yaml', SALE);
    const { code, stdout } = await preflight(['--config', config, ...AT]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      'Judged ahead, to 2026-11-18T05:00:00.000Z: 2026-11-13T17:00:00.000Z (start of campaign flash, voucher LAUNCH20); 2026-11-14T17:00:00.000Z (end of campaign flash).',
    );
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      'below_floor: TOTE can be paid IDR 400,000 a unit in IDR (40% of its list price IDR 1,000,000) at the price of campaign flash (50% off) with LAUNCH20',
    );
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      'Found at 2026-11-13T17:00:00.000Z (start of campaign flash, voucher LAUNCH20).',
    );
    const json = JSON.parse(
      (await preflight(['--config', config, ...AT, '--json'])).stdout,
    ) as PreflightReport;
    expect(json).toMatchObject({ ok: false, conflictAhead: '2026-11-13T17:00:00.000Z' });
    expect(json.errors[0]!.instants).toEqual(['2026-11-13T17:00:00.000Z']);
  });

  it('--within 0 judges --at alone (exit 0), and a look-ahead that ends before the sale misses it', async () => {
    const config = file('sale.yaml', SALE);
    const now = await preflight(['--config', config, ...AT, '--within', '0']);
    expect(now.code).toBe(0);
    expect(now.stdout).toContain('Not active at any instant judged, so not checked: flash');
    expect((await preflight(['--config', config, ...AT, '--within', '2d'])).code).toBe(0);
    expect((await preflight(['--config', config, ...AT, '--within', '60h'])).code).toBe(1);
  });

  it('judges a scheduled price change ahead at its time; --within 0 does not', async () => {
    // 30% off all month is IDR 700,000, over the floor of IDR 600,000; off the IDR 800,000 of Friday, it is not.
    const config = file(
      'markdown.yaml',
      [
        'catalog: { TOTE: { IDR: 1000000 } }',
        'floors: { TOTE: { IDR: 600000 } }',
        'campaigns:',
        '  - { id: season, skus: [TOTE], startsAt: "2026-11-01T00:00:00+07:00", endsAt: "2026-12-01T00:00:00+07:00",',
        '      lineDiscountCapBp: 3000 }',
        'priceChanges:',
        '  - { sku: TOTE, at: "2026-11-13T12:00:00+07:00", listPrice: { IDR: 800000 } }',
        '',
      ].join('\n'),
    );
    const ahead = await preflight(['--config', config, ...AT]);
    expect(ahead.code).toBe(1);
    expect(ahead.stdout).toContain(
      'Judged ahead, to 2026-11-18T05:00:00.000Z: 2026-11-13T05:00:00.000Z (price change of TOTE).',
    );
    expect(ahead.stdout.replace(/\s+/g, ' ')).toContain(
      'below_floor: TOTE can be paid IDR 560,000 a unit in IDR (70% of its list price IDR 800,000)',
    );
    const now = await preflight(['--config', config, ...AT, '--within', '0']);
    expect(now.code).toBe(0);
    expect(now.stdout).toContain('0 errors');
  });

  it('a bad --within exits 2 with the usage', async () => {
    const { code, stderr } = await preflight([...LAUNCH, '--within', '7']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      '--within must be a duration in days, hours or minutes, such as "7d", "36h" or "90m", or "0" to judge the instant alone, got "7"',
    );
  });
});

describe('preflight mistakes', () => {
  it('an invalid policy or service configuration exits 78 naming the field', async () => {
    const policy = file('bad.yaml', 'floorBp: { all: 12000 }\n');
    const bad = await preflight(['--config', policy]);
    expect(bad.code).toBe(EX_CONFIG);
    expect(bad.stderr).toContain(
      `checkout-price-guard: preflight: invalid ${policy}:\n  - floorBp.all: must be at most 10000`,
    );
    const service = file('service.yaml', 'service: { port: 3000 }\npolicy: { flors: {} }\n');
    const wrong = await preflight(['--config', service]);
    expect(wrong.code).toBe(EX_CONFIG);
    expect(wrong.stderr).toContain('policy.flors: is not a known field; did you mean "floors"?');
    const missing = await preflight(['--config', join(dir, 'nowhere.yaml')]);
    expect(missing.code).toBe(EX_CONFIG);
    expect(missing.stderr).toContain('cannot read the file');
  });

  it('an invalid catalog exits 78 naming the line and column', async () => {
    const catalog = file('catalog.csv', 'sku,currency,listPrice\nTOTE,IDR,4.700.000\n');
    const { code, stderr } = await preflight([...LAUNCH, '--catalog', catalog]);
    expect(code).toBe(EX_CONFIG);
    expect(stderr).toContain(`invalid ${catalog}:\n  - line 2, listPrice: must be a list price`);
  });

  it('a missing --config or a bad --at exits 2 with the usage', async () => {
    const none = await preflight([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'checkout-price-guard: preflight: name the policy or service configuration with --config FILE\n' +
        'usage: checkout-price-guard preflight [--config FILE] [--catalog FILE] [--at TIME] [--within DURATION] [--json] [--strict]\n',
    );
    const at = await preflight([...LAUNCH.slice(0, 2), '--at', '2026-12-12 10:00']);
    expect(at.code).toBe(2);
    expect(at.stderr).toContain('--at must be an ISO 8601 timestamp with a time zone');
    const typo = await preflight(['--catalogue', 'x.csv']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown option "--catalogue"; did you mean "--catalog"?');
  });

  it('reads a service configuration with a currencies section as one, not as a bare policy', async () => {
    const config = file(
      'currencies.yaml',
      'currencies: { IDR: { exponent: 2 } }\npolicy: { catalog: { TOTE: { IDR: 100000 } } }\n',
    );
    const { code, stdout } = await preflight(['--config', config, '--within', '0']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/ \(service configuration\)\nPreflight at .*: 1 prices of 1 SKUs \(IDR\)\./);
    // Beside a policy field, currencies still marks a configuration: the policy field is named as misplaced.
    const misplaced = file(
      'misplaced.yaml',
      'currencies: { IDR: { exponent: 2 } }\nfloors: { TOTE: { IDR: 100 } }\n',
    );
    const wrong = await preflight(['--config', misplaced]);
    expect(wrong.code).toBe(EX_CONFIG);
    expect(wrong.stderr).toContain(
      `invalid configuration ${misplaced}:\n  - floors: is a policy field: nest it under "policy:"`,
    );
  });

  it('tells a service configuration from a bare policy by its top-level keys', () => {
    expect(isBarePolicy({ policy: {} })).toBe(false);
    expect(isBarePolicy({ currencies: { IDR: { exponent: 2 } } })).toBe(false);
    expect(isBarePolicy({ currencies: {}, floors: {} })).toBe(false);
    expect(isBarePolicy({ service: { port: 1 }, review: {} })).toBe(false);
    expect(isBarePolicy({ floors: {}, campaigns: [] })).toBe(true);
    expect(isBarePolicy({ mode: 'shadow' })).toBe(true);
    // A policy field beside a configuration section is a misplaced field, named as such, not a bare policy.
    expect(isBarePolicy({ mode: 'shadow', service: {} })).toBe(false);
    expect(isBarePolicy({})).toBe(false);
    expect(isBarePolicy([])).toBe(false);
  });
});
