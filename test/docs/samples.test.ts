// test/docs/samples.test.ts
// The PHP and Python clients of docs/service.md, run as written against the service: a hold is a decision, 400 and
// 409 are integration errors, 503 and no answer are retried then "unavailable", never "allowed".

/*
 * A code block of docs/service.md preceded by `<!-- doc-test: sample -->` is a client a shop copies: it is written to
 * a file unchanged, loaded by a small driver in its own language (php, python3) and called with an order and a
 * base URL. The driver prints what came back: the decision, or which of the client's two errors it raised.
 */

import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '../../src/config/service';
import { createService, type Service } from '../../src/service/service';

const DOC = join(__dirname, '..', '..', 'docs', 'service.md');

/** The sample blocks of the page, by language. */
function samples(): Record<string, string> {
  const lines = readFileSync(DOC, 'utf8').split('\n');
  const found: Record<string, string> = {};
  for (let index = 0; index < lines.length; index++) {
    if (!/^<!--\s*doc-test:\s*sample\s*-->$/.test(lines[index]!.trim())) continue;
    const open = /^```(\w+)$/.exec(lines[index + 1] ?? '');
    if (!open)
      throw new Error(`docs/service.md:${index + 1}: a sample marker must come right before a fence`);
    let end = index + 2;
    while (end < lines.length && lines[end] !== '```') end++;
    found[open[1]!] = lines.slice(index + 2, end).join('\n');
  }
  return found;
}

const DRIVERS: Record<string, { file: string; driver: string; command: string }> = {
  php: {
    file: 'client.php',
    command: 'php',
    driver: `<?php
require __DIR__ . '/client.php';
[, $url, $order, $attempts] = $argv;
try {
    echo json_encode(['decision' => priceGuardEvaluate(json_decode($order, true), $url, 'id', (int) $attempts)]);
} catch (PriceGuardIntegrationError $e) {
    echo json_encode(['integration' => $e->getMessage()]);
} catch (PriceGuardUnavailable $e) {
    echo json_encode(['unavailable' => $e->getMessage()]);
}
`,
  },
  python: {
    file: 'client.py',
    command: 'python3',
    driver: `import json, sys
sys.path.insert(0, __file__.rsplit('/', 1)[0])
from client import PriceGuardIntegrationError, PriceGuardUnavailable, price_guard_evaluate
url, order, attempts = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
try:
    print(json.dumps({"decision": price_guard_evaluate(order, url, "id", attempts)}))
except PriceGuardIntegrationError as error:
    print(json.dumps({"integration": str(error)}))
except PriceGuardUnavailable as error:
    print(json.dumps({"unavailable": str(error)}))
`,
  },
};

const glitch = (orderId: string, total = 15_000) => ({
  orderId,
  currency: 'IDR',
  lines: [{ sku: 'MJ-TOTE-TIGER', quantity: 1, unitPrice: 4_700_000, discount: 4_700_000 }],
  shipping: 15_000,
  total,
});

let service: Service;
let server: Server;
let url: string;
let dir: string;
const stubs: Server[] = [];

/** A stand-in server that always answers `status` with `body`, counting the requests. */
async function stub(status: number, body: object): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const stubServer = createServer((_req, res) => {
    requests += 1;
    res
      .writeHead(status, { 'Content-Type': 'application/json', 'Retry-After': '1' })
      .end(JSON.stringify(body));
  });
  stubs.push(stubServer);
  await new Promise<void>((resolve) => stubServer.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(stubServer.address() as AddressInfo).port}`, requests: () => requests };
}

beforeAll(async () => {
  service = createService(parseConfig({ service: { logLevel: 'silent' } }, undefined, {}));
  await service.whenReady();
  server = createServer(service.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'cpg-samples-'));
});

afterAll(async () => {
  for (const open of [server, ...stubs]) await new Promise((resolve) => open.close(resolve));
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

const code = samples();
const run = promisify(execFile);

test('docs/service.md has a PHP and a Python sample marked for these tests', () => {
  expect(Object.keys(code).sort()).toEqual(['php', 'python']);
});

const inCI = process.env.CI === 'true';
/** A language whose interpreter is missing is skipped with a warning on a developer's machine, and fails in CI. */
const installed = (command: string) =>
  spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined;
for (const { command } of Object.values(DRIVERS)) {
  if (!installed(command) && !inCI) {
    console.warn(
      `\n*** SKIPPED the ${command} client of docs/service.md: ${command} is not installed.\n` +
        `*** Install it (Debian: apt-get install -y ${command === 'php' ? 'php-cli' : command}); in CI (CI=true) this suite fails instead of skipping.\n`,
    );
  }
}

describe.each(Object.keys(DRIVERS))('the %s client of docs/service.md', (language) => {
  const { file, command, driver } = DRIVERS[language]!;
  if (!installed(command) && !inCI) {
    it.skip(`runs the client (${command} is not installed)`, () => {});
    return;
  }

  /**
   * Runs the sample as written against `base`; returns what the driver printed. Asynchronously: the service answers
   * from this process, so it must keep running while the client waits.
   */
  async function call(base: string, order: object, attempts = 3): Promise<Record<string, unknown>> {
    writeFileSync(join(dir, file), code[language]!);
    const driverFile = join(dir, `driver-${file}`);
    writeFileSync(driverFile, driver);
    const { stdout } = await run(command, [driverFile, base, JSON.stringify(order), String(attempts)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return JSON.parse(stdout);
  }

  it('returns a hold as a decision, with the unit it checked', async () => {
    const answer = await call(url, glitch(`${language}-hold`));
    expect(answer.decision).toMatchObject({
      decision: 'hold',
      reviewId: `${language}-hold`,
      amounts: { currency: 'IDR', exponent: 0 },
    });
    expect(String((answer.decision as { message: string }).message)).toMatch(/^Terima kasih/);
  });

  it('raises an integration error for a 400 (a malformed order) without retrying', async () => {
    const answer = await call(url, { ...glitch(`${language}-bad`), total: -1 });
    expect(answer.integration).toMatch(/HTTP 400.*invalid_order/);
  });

  it('raises an integration error for a 409 (the order id reused with another cart)', async () => {
    await call(url, glitch(`${language}-reused`));
    const answer = await call(url, glitch(`${language}-reused`, 16_000));
    expect(answer.integration).toMatch(/HTTP 409.*order_id_reused/);
  });

  it('raises an integration error for a 413 and a 415 at the first answer, without retrying', async () => {
    for (const [status, error] of [
      [413, 'payload_too_large'],
      [415, 'unsupported_media_type'],
    ] as const) {
      const fake = await stub(status, { error });
      expect((await call(fake.url, glitch(`${language}-${status}`))).integration).toMatch(
        new RegExp(`HTTP ${status}`),
      );
      expect(fake.requests()).toBe(1);
    }
  });

  it('raises an integration error when the guard reads the currency in another unit than the shop sends', async () => {
    const fake = await stub(200, {
      decision: 'allow',
      orderId: 'x',
      amounts: { currency: 'IDR', exponent: 2 },
    });
    expect((await call(fake.url, glitch(`${language}-unit`))).integration).toMatch(
      /exponent 2, this shop sends exponent 0/,
    );
  });

  it('retries a 503 and then reports the guard unavailable, never allowed', async () => {
    const fake = await stub(503, { error: 'guard_unavailable' });
    expect((await call(fake.url, glitch(`${language}-503`), 3)).unavailable).toMatch(
      /after 3 attempts \(last HTTP 503\)/,
    );
    expect(fake.requests()).toBe(3);
  });

  it('retries when nothing answers and then reports the guard unavailable', async () => {
    const closed = await stub(503, {});
    const address = closed.url;
    await new Promise((resolve) => stubs.pop()!.close(resolve));
    expect((await call(address, glitch(`${language}-down`), 2)).unavailable).toMatch(/after 2 attempts/);
  });
});
