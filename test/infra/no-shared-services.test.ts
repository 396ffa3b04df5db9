// test/infra/no-shared-services.test.ts
// No test, helper, script or CI step reaches a Redis it did not start: nothing may hard-code port 6379 locally.

/*
 * On a shared machine the Redis on 127.0.0.1:6379 is somebody else's, and on a fresh one there is none: a test
 * that uses it writes into another person's data or fails. Tests start their own (test/helpers/redis.ts). The
 * docs may still say that 6379 is where a user's Redis usually listens; they are not scanned.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LOOPBACK = String.raw`(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])`;

/** What is wrong on one line of a file (empty when nothing is). */
function sharedRedisProblems(text: string, shell: boolean): string[] {
  const problems: string[] = [];
  if (new RegExp(`${LOOPBACK}:6379\\b`, 'i').test(text)) problems.push('names the local Redis on port 6379');
  // `port: 6379`, `--port 6379`, `-p 6379`, PORT=6379, unless the same line names a host that is not this machine.
  const host = /\bhost\s*[:=]\s*['"]?([\w.-]+)/i.exec(text)?.[1];
  const remote = host !== undefined && !new RegExp(`^${LOOPBACK}$`, 'i').test(host);
  if (/(?:\bport\b|(?:^|[\s'"[])-p\b)['"]?\s*[:=,]?\s*['"]?6379\b/i.test(text) && !remote) {
    problems.push('uses port 6379 on this machine');
  }
  // ioredis without a URL, port, host or socket connects to localhost:6379.
  for (const [, args] of text.matchAll(/new\s+(?:Redis|IORedis)\s*\(([^)]*)\)?/g)) {
    const bare = args!.trim() === '' || (/^\{/.test(args!.trim()) && !/\b(?:port|host|path)\b/.test(args!));
    if (bare) problems.push('new Redis() without an address connects to localhost:6379');
  }
  if (shell) {
    // redis-cli and redis-server default to port 6379 too.
    // (Run as a command: first on the line or after ; & | ( { or xargs; not a word in a list such as `command -v`.)
    if (/(?:^|[;&|({]|\bxargs\b.*?)\s*redis-cli\b/.test(text) && !/\s(?:-p|-u|-s)\s|--cluster/.test(text)) {
      problems.push('redis-cli without -p talks to port 6379');
    }
    if (/(?:^|[\s;&|(`$])redis-server\s+(?:--|\S+\.conf)/.test(text) && !/--port\s/.test(text)) {
      problems.push('redis-server without --port listens on 6379');
    }
  }
  return problems;
}

/** Every file under `dir`, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

describe('the check itself', () => {
  it.each([
    ["new Redis('redis://127.0.0.1:6379')", false],
    ['REDIS_URL=redis://localhost:6379/0 npx jest', true],
    ["const client = new Redis({ host: '127.0.0.1', port: 6379 });", false],
    ['const client = new Redis({ port: 6379, lazyConnect: true });', false],
    ["env: { REDIS_URL: 'redis://0.0.0.0:6379' }", false],
    ['const client = new Redis();', false],
    ['redis = new Redis({ lazyConnect: true, maxRetriesPerRequest: 1 });', false],
    ['redis-cli ping', true],
    ['  redis-cli --scan --pattern "*x*" | xargs -r -n 100 redis-cli del', true],
    ['rcli() { redis-cli "$@"; }', true],
    ['if [ "$(redis-cli -h 127.0.0.1 ping)" = PONG ]; then', true],
    ['redis-server --daemonize yes --save ""', true],
    ['redis-server --daemonize yes --port 6379', true],
    ["execFile('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'PING'])", false],
  ] as const)('flags %s', (line, shell) => {
    expect(sharedRedisProblems(line, shell)).not.toEqual([]);
  });

  it.each([
    ['redis = await startRedis();', false],
    ['const client = new Redis(redis.url, { maxRetriesPerRequest: 2 });', false],
    ["new Redis({ host: '127.0.0.1', port: redis.port })", false],
    ["parseRedisUrl('redis://cache.example:6379/2')", false],
    ["{ host: 'b', port: 6379 },", false],
    ['redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping', true],
    ['redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save ""', true],
    ['apt-get install -y redis-server redis-tools', true],
    ['command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)', true],
    ['for tool in dockerd redis-server redis-cli; do', true],
    ['# the docs say redis://127.0.0.1:63790 is fine', true],
  ] as const)('lets %s pass', (line, shell) => {
    expect(sharedRedisProblems(line, shell)).toEqual([]);
  });
});

describe('the repository', () => {
  it('has no test, helper, script or CI step that uses a Redis on port 6379 of this machine', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const sources: Array<[name: string, text: string, shell: boolean]> = [
      ...[...walk(join(ROOT, 'test')), ...walk(join(ROOT, 'scripts'))]
        // This file spells out what it forbids.
        .filter((path) => path !== __filename && /\.(?:[cm]?[jt]s|sh|json|ya?ml)$/.test(path))
        .map((path): [string, string, boolean] => [
          relative(ROOT, path),
          readFileSync(path, 'utf8'),
          path.endsWith('.sh'),
        ]),
      ['jest.config.js', readFileSync(join(ROOT, 'jest.config.js'), 'utf8'), false],
      ['.ci/run', readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), true],
      ...Object.entries(pkg.scripts).map(([name, script]): [string, string, boolean] => [
        `package.json scripts.${name}`,
        script,
        true,
      ]),
    ];
    expect(sources.length).toBeGreaterThan(50);
    const found = sources.flatMap(([name, text, shell]) =>
      text
        .split('\n')
        .flatMap((line, index) =>
          sharedRedisProblems(line, shell).map(
            (problem) => `${name}:${index + 1}: ${problem}: ${line.trim()}`,
          ),
        ),
    );
    expect(found).toEqual([]);
  });
});
