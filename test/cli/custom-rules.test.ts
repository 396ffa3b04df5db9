// test/cli/custom-rules.test.ts
// A custom rule that does not check is refused the same way wherever a policy is read: priceGuard(), the service's
// configuration (validate-config), preflight and replay name the rule's path and the position in the expression.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPreflightCli } from '../../src/cli/preflight';
import { runReplayCli } from '../../src/cli/replay';
import { loadConfig } from '../../src/config/service';
import { priceGuard } from '../../src/middleware/price-guard';

/** The rule's problem, as every path words it after its own prefix. */
const PROBLEM =
  'customRules[0].when: unknown name "orders": a rule reads order, now (did you mean "order"?) at column 15';
const RULE = { id: 'big_order', when: 'order.total > orders.total', message: 'big order' };
const POLICY_YAML = [
  'customRules:',
  '  - id: big_order',
  '    when: order.total > orders.total',
  '    message: big order',
].join('\n');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cpg-custom-paths-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs `call` with stdout and stderr captured; returns its result and what it wrote. */
async function captured<T>(call: () => T | Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const write = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(write);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(write);
  const log = jest.spyOn(console, 'error').mockImplementation((...args) => {
    chunks.push(`${args.join(' ')}\n`);
  });
  try {
    return { result: await call(), output: chunks.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
    log.mockRestore();
  }
}

describe('a custom rule that does not check is refused with its path and position', () => {
  it('by priceGuard(), naming the option', () => {
    expect(() => priceGuard({ policy: { customRules: [RULE] } })).toThrow(
      `priceGuard: invalid option "policy":\n  - ${PROBLEM}`,
    );
  });

  it('by the service configuration (what serve and validate-config read)', () => {
    const path = file(
      'service.yaml',
      `service:\n  port: 3000\npolicy:\n${POLICY_YAML.replace(/^/gm, '  ')}\n`,
    );
    expect(() => loadConfig(path, {}, { environment: false })).toThrow(`policy.${PROBLEM}`);
  });

  it('by preflight, exiting 78', async () => {
    const path = file('policy.yaml', POLICY_YAML);
    const { result, output } = await captured(() => runPreflightCli(['--config', path]));
    expect(result).toBe(78);
    expect(output).toContain(`invalid ${path}:\n  - ${PROBLEM}`);
  });

  it('by replay, before any order is judged', async () => {
    const policy = file('replay-policy.yaml', POLICY_YAML);
    const orders = file('orders.ndjson', '');
    const { result, output } = await captured(() => runReplayCli([orders, '--config', policy]));
    expect(result).toBe(1);
    expect(output).toContain(`invalid ${policy}:\n  - ${PROBLEM}`);
    const baseline = await captured(() =>
      runReplayCli([orders, '--config', file('ok.yaml', '{}'), '--baseline', policy]),
    );
    expect(baseline.result).toBe(1);
    expect(baseline.output).toContain(PROBLEM);
  });
});
