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
