// test/core/policy.test.ts
// The policy schema: safe defaults, and errors that name each bad field in options and in files.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicyFile } from '../../src/config/policy-file';
import { PolicyError, parsePolicy, ruleMode } from '../../src/core/policy';

function problemsOf(input: unknown) {
  try {
    parsePolicy(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).problems;
  }
  throw new Error('expected a PolicyError');
}

describe('parsePolicy', () => {
  it('has safe defaults: enforce, 5% near-zero floor, 90% discount caps', () => {
    const policy = parsePolicy({});
    expect(policy.mode).toBe('enforce');
    expect(policy.nearZeroTotal.fractionBp).toBe(500);
    expect(policy.discountCaps).toMatchObject({ lineBp: 9000, orderBp: 9000 });
    expect(policy.totalMismatch.tolerance).toBe(0);
  });

  it.each([
    ['an unknown rule id', { rules: { zero_totals: { enabled: false } } }, 'rules.zero_totals'],
    ['a negative floor', { floors: { A: { IDR: -5 } } }, 'floors.A.IDR'],
    ['a float floor', { floors: { A: { IDR: 1.5 } } }, 'floors.A.IDR'],
    ['an unknown currency', { floors: { A: { XXX: 5 } } }, 'floors.A.XXX'],
    ['a cap above 100%', { discountCaps: { lineBp: 12_000 } }, 'discountCaps.lineBp'],
    ['an unknown key', { discountCap: {} }, 'discountCap'],
    [
      'a campaign that ends before it starts',
      {
        campaigns: [
          { id: 'c', startsAt: '2026-11-12T00:00:00Z', endsAt: '2026-11-11T00:00:00Z', skus: ['A'] },
        ],
      },
      'campaigns[0].endsAt',
    ],
    [
      'a campaign without a time zone',
      {
        campaigns: [
          { id: 'c', startsAt: '2026-11-11T00:00:00', endsAt: '2026-11-12T00:00:00Z', skus: ['A'] },
        ],
      },
      'campaigns[0].startsAt',
    ],
    [
      'an exception that names no rule',
      { exceptions: [{ id: 'e', note: 'n', rules: [], vouchers: ['S'] }] },
      'exceptions[0].rules',
    ],
    [
      'an exception that matches nothing',
      { exceptions: [{ id: 'e', note: 'n', rules: ['zero_total'] }] },
      'exceptions[0].vouchers',
    ],
    [
      'duplicate exception ids',
      {
        exceptions: [
          { id: 'e', note: 'n', rules: ['zero_total'], vouchers: ['S'] },
          { id: 'e', note: 'n', rules: ['zero_total'], vouchers: ['T'] },
        ],
      },
      'exceptions[1].id',
    ],
  ])('rejects %s, naming the field', (_name, input, path) => {
    expect(problemsOf(input).map((problem) => problem.path)).toContain(path);
  });

  it('per-rule switches resolve over the global mode', () => {
    const policy = parsePolicy({
      mode: 'shadow',
      rules: { zero_total: { mode: 'enforce' }, discount_cap: { enabled: false } },
    });
    expect(ruleMode(policy, 'zero_total')).toBe('enforce');
    expect(ruleMode(policy, 'discount_cap')).toBe('off');
    expect(ruleMode(policy, 'below_floor')).toBe('shadow');
  });
});

describe('loadPolicyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpg-policy-'));

  it('reads YAML and JSON', () => {
    writeFileSync(join(dir, 'p.yaml'), 'floors:\n  TOTE:\n    IDR: 2000000\n');
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ mode: 'shadow' }));
    expect(loadPolicyFile(join(dir, 'p.yaml')).floors.TOTE).toEqual({ IDR: 2_000_000 });
    expect(loadPolicyFile(join(dir, 'p.json')).mode).toBe('shadow');
  });

  it('names the file and the field in its error', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'floors:\n  TOTE:\n    IDR: -1\n');
    expect(() => loadPolicyFile(join(dir, 'bad.yaml'))).toThrow(
      /bad\.yaml[\s\S]*floors\.TOTE\.IDR: must not be negative/,
    );
  });

  it('reports unreadable and malformed files', () => {
    expect(() => loadPolicyFile(join(dir, 'missing.json'))).toThrow(/cannot read the file/);
    writeFileSync(join(dir, 'broken.json'), '{ "mode": ');
    expect(() => loadPolicyFile(join(dir, 'broken.json'))).toThrow(/is not valid JSON/);
  });
});

describe('identifiers in the policy', () => {
  it('keys SKUs, categories and voucher codes by their canonical form, as orders are', () => {
    const policy = parsePolicy({
      floors: { 'mj-tote-tiger': { IDR: 2_000_000 } },
      discountCaps: { skus: { ' Sku-1 ': 3000 }, categories: { bags: 5000 } },
      vouchers: { tmrw100pekr6x50: { paymentMethods: ['card:uob-tmrw*'], customerIds: [' Cus_Ab '] } },
      campaigns: [
        {
          id: 'flash',
          startsAt: '2026-11-11T00:00:00+07:00',
          endsAt: '2026-11-12T00:00:00+07:00',
          skus: ['sku-1'],
          vouchers: ['harbolnas 50'],
        },
      ],
    });
    expect(Object.keys(policy.floors)).toEqual(['MJ-TOTE-TIGER']);
    expect(policy.discountCaps.skus['SKU-1']).toBe(3000);
    expect(policy.discountCaps.categories.BAGS).toBe(5000);
    expect(policy.vouchers.TMRW100PEKR6X50?.paymentMethods).toEqual(['CARD:UOB-TMRW*']);
    expect(policy.vouchers.TMRW100PEKR6X50?.customerIds).toEqual(['Cus_Ab']);
    expect(policy.campaigns[0]).toMatchObject({ skus: ['SKU-1'], vouchers: ['HARBOLNAS50'] });
  });

  it('refuses two keys that are one identifier once canonical, naming both', () => {
    expect(() => parsePolicy({ floors: { tote: { IDR: 1 }, TOTE: { IDR: 2 } } })).toThrow(
      /floors\.TOTE: names the same name as "tote"/,
    );
    expect(() => parsePolicy({ vouchers: { 'ab 12': {}, AB12: {} } })).toThrow(
      /vouchers\.AB12: names the same code/,
    );
  });

  it('keeps prototype names as ordinary keys and finds nothing for absent ones', () => {
    const policy = parsePolicy(
      JSON.parse(
        '{"floors":{"__proto__":{"IDR":5},"constructor":{"IDR":7}},"discountCaps":{"skus":{"valueOf":100}}}',
      ),
    );
    expect(policy.floors.__PROTO__?.IDR).toBe(5);
    expect(policy.floors.CONSTRUCTOR?.IDR).toBe(7);
    expect(policy.discountCaps.skus.VALUEOF).toBe(100);
    for (const name of ['toString', 'valueOf', 'hasOwnProperty', '__proto__', 'constructor']) {
      expect(parsePolicy({}).floors[name]).toBeUndefined();
      expect(parsePolicy({}).discountCaps.skus[name]).toBeUndefined();
      expect(parsePolicy({}).vouchers[name]).toBeUndefined();
    }
  });

  it('refuses invisible characters in a key or a list, naming the field', () => {
    expect(() => parsePolicy({ floors: { 'TO\u202eTE': { IDR: 1 } } })).toThrow(
      /floors\.TO.TE: is not a valid key/,
    );
    expect(() => parsePolicy({ vouchers: { A: { paymentMethods: ['card:\u200bx'] } } })).toThrow(
      /vouchers\.A\.paymentMethods\[0\]: must not contain control/,
    );
  });
});
