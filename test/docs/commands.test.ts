// test/docs/commands.test.ts
// Every shell block of README.md and docs/*.md is run against a started service, or checked statically.

/*
 * A shell block (```sh, ```bash, ```shell) must say what the test does with it, in an HTML comment on the line
 * right before the fence (invisible on GitHub and npm):
 *
 *   <!-- doc-test: run -->                 run it with bash (set -euo pipefail) against a started service; exit 0
 *   <!-- doc-test: run service=example expect="\"decision\":\"hold\"" -->   ...against a profile, output checked
 *   <!-- doc-test: start expect="listening" -->   each line that starts the service is run (the other lines are
 *                                          setup run before it); the service must answer /healthz, then stop
 *                                          cleanly on SIGTERM
 *   <!-- doc-test: docker -->              needs Docker (CI runs the image in npm run test:docker): checked
 *                                          statically against the Dockerfile and docker-compose.yml
 *   <!-- doc-test: static reason="..." --> cannot run here (say why): bash syntax and variable names checked
 *
 * Services (`service=`): `demo` (the default: `npm start` as on a fresh machine: embedded store, no config; TOKEN
 * is the one-time reviewer token it prints), `admin` (PRICE_GUARD_ADMIN_TOKEN set, in the block's environment too)
 * and `example` (examples/service.yaml, with the HOOK_SECRET it documents).
 *
 * What a user types is rewritten only where this checkout differs from a fresh one:
 *   `npm ci && `        dropped (the checkout is installed; .ci/run runs npm ci itself)
 *   `npm start`         node CLI serve (CLI: src/ transpiled by test/helpers/service-process.ts, no 40 s build)
 *   `npm run scenarios` node TOOLS/scenarios/cli.js --out scenarios (tools/ transpiled beside src/)
 *   `npx checkout-price-guard`, `node dist/cli.js`   node CLI
 *   `localhost:3000`, `127.0.0.1:3000`, `--port 3000`   the service's port
 *   `:6379` after `localhost` or `127.0.0.1`   a redis-server of this suite's own (never a Redis someone else runs)
 * `npm test` lines are not run (this is part of it): the script must exist. Blocks run in a scratch directory
 * that links examples/, one after the other, README first, so a block can use what an earlier one wrote.
 */

import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnOwned } from '../helpers/owned';
import { freePort, type RedisInstance, startRedis } from '../helpers/redis';
import { type RunResult, run } from '../helpers/run';
import {
  buildService,
  buildTools,
  http,
  type ServiceProcess,
  startService,
} from '../helpers/service-process';

const ROOT = join(__dirname, '..', '..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const SHELLS = new Set(['sh', 'bash', 'shell', 'console']);
const KINDS = ['run', 'start', 'docker', 'static'] as const;
type Kind = (typeof KINDS)[number];
type Profile = 'demo' | 'admin' | 'example';

/** A fenced shell block and what its marker asks. */
interface Block {
  file: string;
  /** Line of the opening fence (1-based). */
  line: number;
  code: string;
  kind: Kind | undefined;
  service: Profile;
  expect: string[];
  reason: string | undefined;
  /** Problems with the marker itself. */
  markerProblem: string | undefined;
}

/** `key=value` and `key="quoted value"` pairs of a marker, repeatable keys kept in order. */
function markerFields(text: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const match of text.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    fields.push([match[1]!, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!]);
  }
  return fields;
}

/** Every fenced block of one file whose language is a shell. */
function shellBlocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^(\s*)(`{3,})\s*(\S*)/.exec(lines[index]!);
    if (!open) continue;
    const fence = open[2]!;
    let end = index + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence)) end++;
    const language = open[3]!.toLowerCase();
    if (SHELLS.has(language)) {
      const previous = lines[index - 1]?.trim() ?? '';
      const marker = /^<!--\s*doc-test:\s*(\w+)(.*?)-->$/.exec(previous);
      const kind = marker?.[1] as Kind | undefined;
      const fields = markerFields(marker?.[2] ?? '');
      const service = (fields.find(([key]) => key === 'service')?.[1] ?? 'demo') as Profile;
      let markerProblem: string | undefined;
      if (marker && !KINDS.includes(kind as Kind))
        markerProblem = `unknown kind "${kind}" (${KINDS.join(', ')})`;
      else if (!['demo', 'admin', 'example'].includes(service))
        markerProblem = `unknown service "${service}"`;
      else if (kind === 'static' && !fields.some(([key]) => key === 'reason')) {
        markerProblem = 'a static block says why it cannot run: reason="..."';
      }
      blocks.push({
        file,
        line: index + 1,
        code: lines.slice(index + 1, end).join('\n'),
        kind: marker ? kind : undefined,
        service,
        expect: fields.filter(([key]) => key === 'expect').map(([, value]) => value),
        reason: fields.find(([key]) => key === 'reason')?.[1],
        markerProblem,
      });
    }
    index = end;
  }
  return blocks;
}

const BLOCKS = DOCS.flatMap(shellBlocks);
/** The blocks of one kind as jest.each rows (`file:line`, block); one placeholder row when there are none. */
function named(kind: Kind): Array<readonly [string, Block | undefined]> {
  const rows = BLOCKS.filter((block) => block.kind === kind).map(
    (block) => [`${block.file}:${block.line}`, block] as const,
  );
  return rows.length > 0 ? rows : [[`(no ${kind} block)`, undefined]];
}

/** The lines of a block without comments and blank lines; a trailing `\` joins the next line. */
function commandLines(code: string): string[] {
  const joined = code.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((text) => text.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

/** The rewrites of the header comment. */
function rewrite(text: string, cli: string, port: number): string {
  return text
    .replace(/\b(localhost|127\.0\.0\.1):6379\b/g, `127.0.0.1:${redis.port}`)
    .replace(/npm ci && /g, '')
    .replace(/\bnpm start\b/g, `node ${cli} serve`)
    .replace(
      /\bnpm run scenarios( --)?/g,
      () => `node ${join(tools(), 'tools', 'scenarios', 'cli.js')} --out scenarios`,
    )
    .replace(/\bnpx checkout-price-guard\b/g, `node ${cli}`)
    .replace(/\bnode dist\/cli\.js\b/g, `node ${cli}`)
    .replace(/\b(localhost|127\.0\.0\.1):3000\b/g, `127.0.0.1:${port}`)
    .replace(/--port 3000\b/g, `--port ${port}`);
}

/** Environment variables the service or its image reads, from the sources, plus the names the docs define. */
function knownVariables(): Set<string> {
  const names = new Set(['NODE_ENV', 'HOOK_SECRET', 'TOKEN', 'PATH']);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  for (const path of walk(join(ROOT, 'src')).filter((file) => file.endsWith('.ts'))) {
    for (const match of readFileSync(path, 'utf8').matchAll(/env(?:\.|\[['"])([A-Z][A-Z0-9_]*)/g))
      names.add(match[1]!);
  }
  return names;
}

/** A block's script run to completion by bash, stopping at the first failing command. */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunResult> {
  return run('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, env, timeoutMs });
}

const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const ADMIN_TOKEN = `doc-test-admin-${'x'.repeat(40)}`;

let cli: string;
let toolsDir: string | undefined;
/** The development tools, transpiled the first time a block runs one. */
function tools(): string {
  toolsDir ??= buildTools();
  return toolsDir;
}
let work: string;
let redis: RedisInstance;
const services = new Map<Profile, { service: ServiceProcess; env: NodeJS.ProcessEnv }>();
const baseEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
});

/** The started service of a profile (started on first use, on a free port). */
async function serviceFor(profile: Profile): Promise<{ service: ServiceProcess; env: NodeJS.ProcessEnv }> {
  const running = services.get(profile);
  if (running) return running;
  const env: NodeJS.ProcessEnv =
    profile === 'admin'
      ? { PRICE_GUARD_ADMIN_TOKEN: ADMIN_TOKEN }
      : profile === 'example'
        ? { HOOK_SECRET: WEBHOOK_SECRET }
        : {};
  const service = await startService(cli, {
    args: profile === 'example' ? ['--config', join(ROOT, 'examples', 'service.yaml')] : [],
    env,
  });
  if (profile === 'demo') {
    const line = await service.waitForLog((log) => typeof log.token === 'string');
    env.TOKEN = line.token as string;
  }
  const entry = { service, env };
  services.set(profile, entry);
  return entry;
}

beforeAll(async () => {
  cli = buildService();
  work = mkdtempSync(join(tmpdir(), 'cpg-doc-commands-'));
  symlinkSync(join(ROOT, 'examples'), join(work, 'examples'));
  redis = await startRedis();
});

afterAll(async () => {
  for (const { service } of services.values()) await service.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  await redis?.stop();
});

describe('the shell blocks of README.md and docs/*.md', () => {
  it('are each marked run, start, docker or static (see the header of test/docs/commands.test.ts)', () => {
    const unmarked = BLOCKS.filter((block) => block.kind === undefined).map((b) => `${b.file}:${b.line}`);
    const bad = BLOCKS.filter((block) => block.markerProblem).map(
      (b) => `${b.file}:${b.line}: ${b.markerProblem}`,
    );
    expect(unmarked).toEqual([]);
    expect(bad).toEqual([]);
    expect(BLOCKS.filter((block) => block.kind === 'run').length).toBeGreaterThan(3);
  });

  it('are valid bash and name only variables the service reads', () => {
    const known = knownVariables();
    const problems: string[] = [];
    for (const block of BLOCKS) {
      const syntax = spawnSync('bash', ['-n'], { input: block.code, encoding: 'utf8' });
      if (syntax.status !== 0) problems.push(`${block.file}:${block.line}: ${syntax.stderr.trim()}`);
      for (const line of commandLines(block.code)) {
        // `VAR=value command`, `export VAR=...` and docker's `-e VAR=...`.
        for (const match of line.matchAll(/(?:^|\s|-e\s+)([A-Z][A-Z0-9_]*)=/g)) {
          if (!known.has(match[1]!))
            problems.push(`${block.file}:${block.line}: ${match[1]} is not read by the service`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('`npm test` and `npm ci` lines name what exists: the test script and the lock file', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const all = BLOCKS.map((block) => block.code).join('\n');
    if (/\bnpm test\b/.test(all)) expect(pkg.scripts.test).toBeDefined();
    if (/\bnpm ci\b/.test(all)) expect(existsSync(join(ROOT, 'package-lock.json'))).toBe(true);
    for (const [, script] of all.matchAll(/\bnpm run ([\w:-]+)/g)) expect(pkg.scripts[script!]).toBeDefined();
  });
});

describe.each(named('docker'))('docker block %s', (_where, block) => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const exposed = [...dockerfile.matchAll(/^EXPOSE\s+(.+)$/gm)].flatMap((m) => m[1]!.split(/\s+/));
  const volumes = [...dockerfile.matchAll(/^VOLUME\s+\[?"?([^"\]\s]+)/gm)].map((m) => m[1]!);

  it('uses the image, ports, volume and files the repository has', () => {
    if (!block) return;
    const problems: string[] = [];
    for (const line of commandLines(block.code)) {
      if (/\bdocker build\b/.test(line) && !/-t checkout-price-guard\b/.test(line))
        problems.push(`${line}: tag it checkout-price-guard`);
      if (/\bdocker(-| )compose\b/.test(line) && !existsSync(join(ROOT, 'docker-compose.yml')))
        problems.push('no docker-compose.yml');
      if (/\bdocker run\b/.test(line)) {
        if (!/\bcheckout-price-guard\s*$/.test(line)) problems.push(`${line}: runs another image`);
        if (!/--init\b/.test(line)) problems.push(`${line}: without --init docker stop waits 10 s`);
        for (const [, container] of line.matchAll(/-p \d+:(\d+)/g)) {
          if (!exposed.includes(container!)) problems.push(`${line}: port ${container} is not EXPOSEd`);
        }
        for (const [, target] of line.matchAll(/-v "?[^:\s]+:([^:\s"]+)/g)) {
          if (!volumes.some((volume) => target!.startsWith(volume)))
            problems.push(`${line}: ${target} is outside the VOLUME`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe.each(named('static'))('static block %s', (_where, block) => {
  it('says why it cannot run here', () => {
    if (!block) return;
    expect(block.reason?.length ?? 0).toBeGreaterThan(10);
  });
});

describe('started as documented', () => {
  it.each(named('start'))(
    '%s',
    async (_where, block) => {
      if (!block) return;
      const lines = commandLines(block.code).filter((line) => !/^npm test\b/.test(line));
      const setup = lines.filter((line) => !/\bnpm start\b|\bserve\b/.test(line));
      const starts = lines.filter((line) => /\bnpm start\b|\bserve\b/.test(line));
      expect(starts.length).toBeGreaterThan(0);
      for (const start of starts) {
        const port = await freePort();
        // `VAR=value npm start` becomes `VAR=value exec node CLI serve`: SIGTERM then reaches the service itself.
        const [, assignments, command] = /^((?:[A-Z_][A-Z0-9_]*=(?:"[^"]*"|'[^']*'|\S+)\s+)*)(.*)$/.exec(
          start,
        )!;
        const script = [...setup, `${assignments}exec ${command}`]
          .map((line) => rewrite(line, cli, port))
          .join('\n');
        const child: ChildProcess = spawnOwned('bash', ['-c', `set -euo pipefail\n${script}`], {
          cwd: work,
          env: { ...baseEnv(), PORT: String(port) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk;
        });
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk;
        });
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        let healthy = false;
        for (let attempt = 0; attempt < 150 && child.exitCode === null && !healthy; attempt++) {
          healthy = await http(`http://127.0.0.1:${port}`, 'GET', '/healthz').then(
            (response) => response.status === 200,
            () => false,
          );
          if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        child.kill('SIGTERM');
        const code = await exited;
        if (!healthy) throw new Error(`"${start}" did not answer /healthz:\n${output}`);
        for (const text of block.expect) expect(output).toContain(text);
        expect(code).toBe(0);
      }
    },
    60_000,
  );
});

describe('run against the service', () => {
  it.each(named('run'))(
    '%s',
    async (_where, block) => {
      if (!block) return;
      const { service, env } = await serviceFor(block.service);
      const script = rewrite(block.code, cli, service.port);
      const result = await bash(script, work, { ...baseEnv(), ...env });
      if (result.code !== 0) {
        throw new Error(
          `exit ${result.code}\n--- script\n${script}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
        );
      }
      for (const text of block.expect) expect(result.stdout).toContain(text);
    },
    120_000,
  );
});
