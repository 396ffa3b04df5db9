// test/replay/cli.test.ts
// The replay command: options, exit codes, progress lines and its text and JSON output.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplayCli } from '../../src/cli/replay';
import { line, order } from '../helpers/orders';
import { at } from './fixtures';

describe('replay command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const stderr = jest.spyOn(console, 'error').mockImplementation((...args) => {
      err.push(args.join(' '));
    });
    return {
      out,
      err,
      restore: () => {
        stdout.mockRestore();
        stderr.mockRestore();
      },
    };
  };

  /** A small file: a good order, a glitch, a malformed line, and a voucher order the stricter policy holds. */
  const mixed = () => {
    const file = join(dir, 'mixed.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({
          ...order({ orderId: 'a', lines: [line('S1', 100_000)] }),
          timestamp: at(0),
          label: 'legit',
        }),
        JSON.stringify({
          ...order({ orderId: 'b', lines: [line('S1', 100_000, 100_000)] }),
          timestamp: at(1),
          label: 'glitch',
        }),
        '{oops',
        JSON.stringify({
          ...order({
            orderId: 'c',
            paymentMethod: 'qris',
            lines: [line('S2', 200_000)],
            vouchers: [{ code: 'BANKX100K', discount: 100_000 }],
          }),
          timestamp: at(2),
          label: 'glitch',
        }),
      ].join('\n'),
    );
    return file;
  };
  const policyFile = (name: string, policy: object) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(policy));
    return file;
  };

  it('--skip-invalid counts the malformed line and goes on; without it the replay stops there (exit 1)', async () => {
    const file = mixed();
    let io = capture();
    expect(await runReplayCli([file])).toBe(1);
    io.restore();
    expect(io.err.join('\n')).toContain('line 3 is not a valid order');
    io = capture();
    expect(await runReplayCli([file, '--skip-invalid'])).toBe(0);
    io.restore();
    expect(io.out.join('')).toContain('Skipped 1 invalid lines (first 1):\n  line 3: (root): is not JSON');
  });

  it('--baseline shows the orders whose decision changes, with --examples of each', async () => {
    const file = mixed();
    const current = policyFile('current.json', { vouchers: { BANKX100K: {} } });
    const next = policyFile('next.json', { vouchers: { BANKX100K: { paymentMethods: ['card:bank-x*'] } } });
    const io = capture();
    expect(
      await runReplayCli([
        file,
        '--skip-invalid',
        '--config',
        next,
        '--baseline',
        current,
        '--examples',
        '1',
      ]),
    ).toBe(0);
    io.restore();
    const text = io.out.join('');
    expect(text).toContain(`Policy diff against ${current} (3 orders judged by both)`);
    expect(text).toMatch(/allow -> hold: 1 orders \(glitch 1\)\n {4}by rule: voucher_ineligible 1/);
    expect(text).toMatch(
      /first 1:\n {6}c at .* \(line 4; glitch\): Voucher BANKX100K is only for payment by CARD:BANK-X\*/,
    );
    expect(text).toContain('hold -> allow: 0 orders');
  });

  it('--map reads an export with other field names; a bad mapping exits 1 naming the field', async () => {
    const file = join(dir, 'export.ndjson');
    writeFileSync(
      file,
      `${JSON.stringify({ ...order({ orderId: 'x', lines: [line('S1', 100_000, 100_000)] }), created_at: at(0), verdict: 'fraud' })}\n`,
    );
    const map = policyFile('map.json', {
      fields: { timestamp: 'created_at', label: 'verdict' },
      labels: { fraud: 'glitch' },
    });
    let io = capture();
    expect(await runReplayCli([file, '--map', map, '--json'])).toBe(0);
    io.restore();
    expect(JSON.parse(io.out.join(''))).toMatchObject({ orders: 1, labels: { truePositives: 1 } });
    const bad = policyFile('bad-map.json', { fields: { timestmp: 'created_at' } });
    io = capture();
    expect(await runReplayCli([file, '--map', bad])).toBe(1);
    io.restore();
    expect(io.err.join('\n')).toMatch(
      /fields\.timestmp: is not a field of a replay line; did you mean "timestamp"\?/,
    );
  });

  it('refuses options that cannot work together (exit 2), and a Redis it cannot reach (exit 1)', async () => {
    const file = mixed();
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    const io = capture();
    try {
      expect(await runReplayCli([file, '--store', 'disk'])).toBe(2);
      expect(await runReplayCli([file, '--store', 'redis'])).toBe(2);
      expect(await runReplayCli([file, '--redis-url', 'redis://cache.example:6379'])).toBe(2);
      expect(await runReplayCli([file, '--examples', '3'])).toBe(2);
      expect(await runReplayCli([file, '--review-after', 'soon'])).toBe(2);
      expect(
        await runReplayCli([
          file,
          '--store',
          'redis',
          '--redis-url',
          'redis://127.0.0.1:1',
          '--skip-invalid',
        ]),
      ).toBe(1);
    } finally {
      io.restore();
      if (saved !== undefined) process.env.REDIS_URL = saved;
    }
    expect(io.err).toEqual([
      'replay: --store must be "memory" or "redis", got "disk"',
      'replay: --store redis needs --redis-url URL or REDIS_URL',
      'replay: --redis-url is for --store redis',
      'replay: --examples is for --baseline',
      'replay: --review-after must be a whole number, got "soon"',
      'replay: no --config given; replaying with the default policy (no campaigns, no voucher terms)',
      expect.stringMatching(/^replay: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/),
    ]);
  });

  it('shows a live progress line with the share of the file and the time left on a terminal', async () => {
    const file = join(dir, 'many.ndjson');
    const rows = Array.from({ length: 450 }, (_, i) =>
      JSON.stringify({
        ...order({ orderId: `p${i}`, lines: [line('S1', 100_000)] }),
        timestamp: Date.parse(at(0)) + i,
      }),
    );
    writeFileSync(file, `${rows.join('\n')}\n`);
    const written: string[] = [];
    const descriptor = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const now = jest.spyOn(Date, 'now');
    let clock = 1_000_000;
    now.mockImplementation(() => (clock += 150));
    const io = capture();
    try {
      expect(await runReplayCli([file])).toBe(0);
    } finally {
      io.restore();
      stderr.mockRestore();
      now.mockRestore();
      if (descriptor) Object.defineProperty(process.stderr, 'isTTY', descriptor);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    const progress = written.filter((text) => text.startsWith('\rreplay: '));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatch(/^\rreplay: [\d,]+ orders, [\d.]+% of 0\.\d MB, [\d,]+\/s, ETA /);
    expect(written.at(-1)).toBe('\r\u001b[K');
  });

  it('reports progress every --progress-every orders when stderr is not a terminal', async () => {
    const file = mixed();
    const io = capture();
    expect(await runReplayCli([file, '--skip-invalid', '--progress-every', '2'])).toBe(0);
    io.restore();
    expect(io.err.filter((line) => /^replay: 2 orders \(\d+\/s\)$/.test(line))).toHaveLength(1);
  });

  it('prints the JSON report and exits 0', async () => {
    const file = join(dir, 'ok.ndjson');
    writeFileSync(
      file,
      `${JSON.stringify({ ...order({ orderId: 'a', lines: [line('S1', 100_000, 100_000)] }), timestamp: at(0), label: 'glitch' })}\n`,
    );
    const io = capture();
    const code = await runReplayCli([
      file,
      '--config',
      join(__dirname, '..', '..', 'examples', 'policy.default.yaml'),
      '--json',
    ]);
    io.restore();
    expect(code).toBe(0);
    const report = JSON.parse(io.out.join(''));
    expect(report).toMatchObject({ orders: 1, held: 1, labels: { truePositives: 1 } });
  });

  it('exits 1 naming the line for a malformed order, and 2 for bad usage', async () => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, `${JSON.stringify({ orderId: 'x', timestamp: at(0) })}\n`);
    let io = capture();
    expect(await runReplayCli([file])).toBe(1);
    io.restore();
    expect(io.err.join('\n')).toMatch(/line 1 is not a valid order[\s\S]*currency: is required/);
    io = capture();
    expect(await runReplayCli([file, '--bogus'])).toBe(2);
    expect(await runReplayCli([])).toBe(2);
    expect(await runReplayCli([join(dir, 'missing.ndjson')])).toBe(1);
    io.restore();
  });
});
