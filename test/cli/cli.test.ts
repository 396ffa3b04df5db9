// test/cli/cli.test.ts
// The command line as a user runs it: help, --version, serve --host/--port, validate-config, the demo reviewer.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPLAY_COMMAND } from '../../src/cli/replay';
import { EX_CONFIG } from '../../src/config/service';
import { freePort, startRedis } from '../helpers/redis';
import { type RunResult, run } from '../helpers/run';
import { buildService, http, type ServiceProcess, startService } from '../helpers/service-process';

const ROOT = join(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let cli: string;
let dir: string;
const started: ServiceProcess[] = [];

beforeAll(() => {
  cli = buildService();
  dir = mkdtempSync(join(tmpdir(), 'cpg-cli-'));
});
afterAll(async () => {
  for (const service of started) await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI to completion (not for serve), from the repository root, with only PATH and `env` set. */
function cliRun(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(process.execPath, [cli, ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('help and version', () => {
  it('--help lists every command with its arguments and every option, and the exit codes', async () => {
    const { code, stdout } = await cliRun(['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'validate-config FILE', 'preflight', 'replay FILE', 'help [COMMAND]']) {
      expect(stdout).toMatch(new RegExp(`^  ${command.replace(/[[\]]/g, '\\$&')}$`, 'm'));
    }
    for (const option of ['--config FILE', '--host HOST', '--port PORT', '--ignore-env', '--version']) {
      expect(stdout).toContain(option);
    }
    for (const spec of [REPLAY_COMMAND]) {
      for (const name of Object.keys(spec.options)) expect(stdout).toContain(`--${name}`);
    }
    expect(stdout).toContain('78 invalid configuration');
    expect((await cliRun(['help'])).stdout).toBe(stdout);
  });

  it('--version and -v print the package version', async () => {
    expect(await cliRun(['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    expect((await cliRun(['-v'])).stdout).toBe(`${VERSION}\n`);
  });

  it('names only docs pages that exist where it runs (the docs ship in the package)', async () => {
    const help = (
      await Promise.all(
        [
          ['--help'],
          ...['serve', 'validate-config', 'preflight', 'replay'].map((name) => [name, '--help']),
        ].map((args) => cliRun(args)),
      )
    )
      .map((result) => result.stdout)
      .join('\n');
    // From the repository root the package is this checkout: docs/<page>.md.
    const pages = [...help.matchAll(/(?<![\w/])docs\/[\w-]+\.md/g)].map(([page]) => page);
    expect(new Set(pages)).toEqual(new Set(['docs/service.md', 'docs/preflight.md', 'docs/replay.md']));
    for (const page of pages) expect(existsSync(join(ROOT, page))).toBe(true);
    expect(help).toContain('documentation (shipped in the package): README.md and docs/*.md');
  });

  it('each command has its own help', async () => {
    const replay = await cliRun(['replay', '--help']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(
      'usage: checkout-price-guard replay FILE [--config FILE] [--json] [--progress-every N]',
    );
    const serve = await cliRun(['help', 'serve']);
    expect(serve.stdout).toContain(
      'usage: checkout-price-guard serve [--config FILE] [--host HOST] [--port PORT]',
    );
  });
});

describe('mistakes get exit 2, the usage and a did-you-mean', () => {
  it.each([
    [['serv'], /unknown command "serv"; did you mean "serve"\?/],
    [['valdate-config', 'x.yaml'], /unknown command "valdate-config"; did you mean "validate-config"\?/],
    [['serve', '--prot', '8080'], /serve: unknown option "--prot"; did you mean "--port"\?/],
    [['--confg', 'x.yaml'], /unknown option "--confg"; did you mean "--config"\?/],
    [['replay', 'orders.ndjson', '--jsn'], /unknown option "--jsn"; did you mean "--json"\?/],
    [['serve', '--config'], /--config needs a value \(FILE\)/],
    [['serve', '--port', '70000'], /--port must be a TCP port number \(0-65535\), got "70000"/],
    [['serve', '--host', 'not a host'], /--host must be an IP address or a host name/],
    [['validate-config'], /validate-config: name the FILE/],
    [['validate-config', 'a.yaml', 'b.yaml'], /unexpected "b\.yaml"/],
    [['validate-config', 'a.yaml', '--ignore-env=yes'], /--ignore-env takes no value/],
    [['help', 'nothing'], /unknown command "nothing"/],
  ])('%j', async (args, message) => {
    const { code, stderr } = await cliRun(args);
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
  });
});

describe('validate-config', () => {
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

  it('exits 0 with a summary for a valid file', async () => {
    const result = await cliRun(['validate-config', 'examples/service.yaml'], { HOOK_SECRET: secret });
    expect(result.stdout).toMatch(
      /^examples\/service\.yaml: valid \(policy mode enforce; 2 floors, 1 campaigns/,
    );
    expect(result.code).toBe(0);
  });

  it('checks the environment as serve would, or the file alone with --ignore-env', async () => {
    const withEnv = await cliRun(['validate-config', 'examples/service.yaml']);
    expect(withEnv.code).toBe(EX_CONFIG);
    expect(withEnv.stderr).toContain(
      'review.webhooks[0].secretEnv: names the environment variable HOOK_SECRET',
    );
    const fileOnly = await cliRun(['validate-config', '--ignore-env', 'examples/service.yaml'], {
      PORT: 'x',
    });
    expect(fileOnly.code).toBe(0);
  });

  it('--against RUNNING lists what the file changes and exits 1 when a reload would refuse it', async () => {
    const running = file(
      'running.yaml',
      [
        'policy:',
        '  floors: { TOTE: { IDR: 100000 }, CASE: { IDR: 50000 }, SHOE: { IDR: 200000 } }',
        '  vouchers:',
        '    BANKX100K: { maxUsesPerCustomer: 1, paymentMethods: ["card:bca*"] }',
      ].join('\n'),
    );
    // A half-copied file: the voucher's terms are gone.
    const half = file(
      'half.yaml',
      ['policy:', '  floors: { TOTE: { IDR: 100000 }, CASE: { IDR: 50000 }, SHOE: { IDR: 200000 } }'].join(
        '\n',
      ),
    );
    const cut = await cliRun(['validate-config', '--ignore-env', half, '--against', running]);
    expect(cut.code).toBe(0);
    expect(cut.stdout).toContain(`against ${running}: 0 added, 0 changed, 3 removed`);
    expect(cut.stdout).toContain('  removed vouchers.BANKX100K.maxUsesPerCustomer (was 1)');
    // Most of it gone: a reload would refuse it, so the pipeline stops here.
    const stub = file('stub.yaml', ['policy:', '  floors: { TOTE: { IDR: 120000 } }'].join('\n'));
    const refused = await cliRun(['validate-config', '--ignore-env', stub, '--against', running]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('  changed floors.TOTE.IDR: 100000 -> 120000');
    expect(refused.stderr).toContain(
      `a reload of ${stub} over ${running} would be refused: the file removes 5 of the running policy's 6`,
    );
    expect(refused.stderr).toContain(`If that is meant, add "confirmRemovals: true" to ${stub}.`);
    const confirmed = file(
      'confirmed.yaml',
      ['confirmRemovals: true', 'policy:', '  floors: { TOTE: { IDR: 120000 } }'].join('\n'),
    );
    expect((await cliRun(['validate-config', '--ignore-env', confirmed, '--against', running])).code).toBe(0);
    // The same terms in another unit of amounts: no field confirms it, only a restart applies it.
    const sen = file(
      'sen.yaml',
      ['currencies: { IDR: { exponent: 2 } }', 'policy:', '  floors: { TOTE: { IDR: 10000000 } }'].join('\n'),
    );
    const unit = await cliRun(['validate-config', '--ignore-env', sen, '--against', running]);
    expect(unit.code).toBe(1);
    expect(unit.stderr).toContain(
      `would be refused: the file changes the unit of amounts (currencies: IDR exponent default -> 2), which only a restart changes`,
    );
    expect(unit.stderr).toContain('Restart the service with it instead.');
    // A RUNNING file that is not valid is named as such (78), like FILE.
    const broken = file('broken.yaml', 'policy: { flors: {} }');
    const bad = await cliRun(['validate-config', '--ignore-env', stub, '--against', broken]);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain(broken);
  });

  it('exits 78 listing every problem of the service sections and the policy', async () => {
    const path = file(
      'bad.yaml',
      [
        'service:',
        '  prot: 80',
        '  host: "not a host"',
        'policy:',
        '  flors: {}',
        '  mode: strict',
        '  rules:',
        '    zero_totals: { mode: shadow }',
      ].join('\n'),
    );
    const { code, stdout, stderr } = await cliRun(['validate-config', path]);
    expect(code).toBe(78);
    expect(stdout).toBe('');
    expect(stderr).toContain(`invalid configuration ${path}:`);
    expect(stderr).toContain('service.prot: is not a known field; did you mean "port"?');
    expect(stderr).toContain('service.host: must be an IP address or a host name');
    expect(stderr).toContain('policy.flors: is not a known field; did you mean "floors"?');
    expect(stderr).toContain('policy.mode: must be "enforce" or "shadow"');
    expect(stderr).toContain('policy.rules.zero_totals: is not a rule id; did you mean "zero_total"?');
  });

  it('exits 78 for a custom rule that does not check, naming the rule and the position in its expression', async () => {
    const path = file(
      'custom-rule.yaml',
      [
        'policy:',
        '  customRules:',
        '    - id: phone_bulk',
        '      scope: line',
        '      when: line.quantity > "3"',
        '      message: bulk',
      ].join('\n'),
    );
    const { code, stderr } = await cliRun(['validate-config', '--ignore-env', path]);
    expect(code).toBe(78);
    expect(stderr).toContain(
      'policy.customRules[0].when: no such overload: int > string (line.quantity is an int; "3" is a string) at column 17',
    );
  });

  it('takes a bare policy file, the one preflight and replay take, as the policy section', async () => {
    const result = await cliRun(['validate-config', 'examples/policy.default.yaml']);
    expect(result.stdout).toMatch(
      /^examples\/policy\.default\.yaml: valid \(a bare policy, read as the policy section; policy mode shadow;/,
    );
    expect(result.code).toBe(0);
    // Its problems are named where they are in the file: at the top, not under policy.
    const bad = await cliRun(['validate-config', file('bare.yaml', 'mode: strict\nflors: {}\n')]);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain(`invalid ${join(dir, 'bare.yaml')}:`);
    expect(bad.stderr).toContain('  - mode: must be "enforce" or "shadow"');
    expect(bad.stderr).toContain('  - flors: is not a known field; did you mean "floors"?');
  });

  it('names a policy field written beside the service sections, and says to nest it', async () => {
    const path = file('mixed.yaml', 'service:\n  port: 3000\nmode: shadow\nflors: {}\n');
    const { code, stderr } = await cliRun(['validate-config', path]);
    expect(code).toBe(78);
    expect(stderr).toContain('mode: is a policy field: nest it under "policy:"');
    expect(stderr).toContain('flors: is not a known field; did you mean the policy field "floors"?');
  });

  it('refuses what serve refuses: a webhook URL that is not http(s), a URL twice, an "other" voucher label', async () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const path = file(
      'refused.yaml',
      [
        'review:',
        '  webhooks:',
        `    - { url: "file:///etc/passwd", secret: "${secret}" }`,
        `    - { url: "https://shop.example/hooks", secret: "${secret}" }`,
        `    - { url: "https://shop.example/hooks", secret: "${secret}" }`,
        'metrics:',
        '  voucherLabels: [other]',
      ].join('\n'),
    );
    const validated = await cliRun(['validate-config', path]);
    expect(validated.code).toBe(78);
    expect(validated.stderr).toContain('review.webhooks[0].url: must be an http(s) URL');
    expect(validated.stderr).toContain('review.webhooks[2].url: repeats an earlier endpoint');
    expect(validated.stderr).toContain('metrics.voucherLabels[0]: is "other"');
    const served = await cliRun(['serve', '--config', path]);
    expect(served.code).toBe(78);
    expect(served.stderr).toBe(validated.stderr);
  });

  it('exits 78 for a file that is missing or not YAML', async () => {
    const missing = await cliRun(['validate-config', join(dir, 'missing.yaml')]);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('missing.yaml');
    const broken = await cliRun(['validate-config', file('broken.yaml', 'policy: [unclosed\n')]);
    expect(broken.code).toBe(78);
  });
});

describe('serve', () => {
  it('serves a bare policy file given as --config', async () => {
    const path = file('shadow-policy.yaml', 'mode: shadow\nfloors:\n  TOTE: { IDR: 2000000 }\n');
    const service = await startService(cli, { args: ['--config', path, '--port', '0'] });
    started.push(service);
    const listening = await service.waitForLog((line) => /listening/.test(line.msg));
    expect(listening.mode).toBe('shadow');
    expect(await service.stop()).toBe(0);
  });

  it('listens where --host and --port say, over PORT', async () => {
    const port = await freePort();
    const service = await startService(cli, {
      args: ['--host', '127.0.0.1', '--port', String(port)],
      env: { PORT: '1' },
    });
    started.push(service);
    expect(service.port).toBe(port);
    const listening = await service.waitForLog((line) => /listening/.test(line.msg));
    expect(listening).toMatchObject({ host: '127.0.0.1', port });
    expect((await http(service.url, 'GET', '/healthz')).status).toBe(200);
    expect(await service.stop()).toBe(0);
  });

  it('listens on 127.0.0.1 unless told otherwise, and PORT still works', async () => {
    const port = await freePort();
    const service = await startService(cli, { env: { PORT: String(port) } });
    started.push(service);
    expect(service.port).toBe(port);
    expect(await service.waitForLog((line) => /listening/.test(line.msg))).toMatchObject({
      host: '127.0.0.1',
    });
    expect(await service.stop()).toBe(0);
  });

  it('HOST chooses the address (the Docker image sets 0.0.0.0)', async () => {
    const service = await startService(cli, { env: { HOST: '0.0.0.0' } });
    started.push(service);
    const listening = await service.waitForLog((line) => /listening/.test(line.msg));
    expect(listening).toMatchObject({ host: '0.0.0.0' });
    expect(listening.msg).toContain(`http://localhost:${service.port}`);
    expect(await service.stop()).toBe(0);
  });
});

/** Waits until start-up logging is over: a request's own log line comes after every start-up line. */
async function settled(service: ServiceProcess): Promise<void> {
  await http(service.url, 'GET', '/healthz');
  await service.waitForLog((log) => log.path === '/healthz');
}

describe('the demo reviewer', () => {
  it('on the embedded store without review tokens, prints a one-time admin token that opens /review', async () => {
    const service = await startService(cli);
    started.push(service);
    const line = await service.waitForLog((log) => typeof log.token === 'string');
    const token = line.token as string;
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(line.reviewUrl).toBe(`http://localhost:${service.port}/review/`);
    expect(line.msg).toContain(token);
    const me = await http(service.url, 'GET', '/review/api/me', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.body).toEqual({ name: 'demo-admin', role: 'admin' });
    expect((await http(service.url, 'GET', '/review/')).status).toBe(200);
    // A second start makes another token: it is one-time.
    const again = await startService(cli);
    started.push(again);
    const other = await again.waitForLog((log) => typeof log.token === 'string');
    expect(other.token).not.toBe(token);
    await Promise.all([service.stop(), again.stop()]);
  });

  it('is not made when a review token is configured', async () => {
    const service = await startService(cli, {
      env: { PRICE_GUARD_REVIEW_TOKENS: `ana:reviewer:${'a'.repeat(40)}` },
    });
    started.push(service);
    await settled(service);
    expect(service.logs.some((log) => 'token' in log || /DEMO REVIEWER/.test(log.msg))).toBe(false);
    await service.stop();
  });

  it('is never made with REDIS_URL: /review stays off until tokens are configured', async () => {
    const redis = await startRedis();
    const service = await startService(cli, { env: { REDIS_URL: redis.url } });
    started.push(service);
    try {
      await settled(service);
      expect(service.logs.some((log) => 'token' in log || /DEMO REVIEWER/.test(log.msg))).toBe(false);
      expect((await http(service.url, 'GET', '/review/api/me')).status).toBe(404);
    } finally {
      await service.stop();
      await redis.stop();
    }
  });
});
