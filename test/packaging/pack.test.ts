// test/packaging/pack.test.ts
// The package as npm ships it: pack, install the tarball into CJS, ESM and TypeScript projects, import it both ways.

import type { SpawnOptions } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { MARC_JACOBS_ORDER } from '../helpers/orders';
import { run } from '../helpers/run';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The Express versions the consumer projects install: ours (5) and the oldest 4.x we support, as the alias pins it. */
const EXPRESS_5 = pkg.devDependencies.express!;
const EXPRESS_4 = pkg.devDependencies.express4!.replace(/^npm:express@/, '');

const SKIP = process.env.CPG_SKIP_PACK === '1';
if (SKIP) {
  console.warn(
    'test/packaging/pack.test.ts: SKIPPED because CPG_SKIP_PACK=1 (it packs, installs the tarball and typechecks)',
  );
}
const suite = SKIP ? describe.skip : describe;

/** Runs a command and fails with its output when it exits non-zero. */
async function ok(command: string, args: string[], options: SpawnOptions = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

const NPM_ENV = { ...process.env, npm_config_update_notifier: 'false', npm_config_loglevel: 'error' };

/** `npm install` from the local cache first; online (the registry) only when the cache lacks something. */
async function npmInstall(cwd: string, specs: string[]): Promise<void> {
  const args = ['install', '--no-audit', '--no-fund', '--no-package-lock', ...specs];
  const offline = await run('npm', [...args, '--offline'], { cwd, env: NPM_ENV });
  if (offline.code === 0) return;
  await ok('npm', args, { cwd, env: NPM_ENV });
}

/** A consumer project: package.json with the given module type, and files. */
function project(dir: string, type: 'module' | 'commonjs', files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Every file under `dir`, relative to it, with / separators. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path).split('\\').join('/')];
  });
}

// The app every consumer runs: the middleware holds the glitch order (202), the review router lists it.
const APP = `
import { createRequire } from 'node:module';
import express from 'express';
import priceGuard, { MemoryStore, hashToken, reviewRouter } from 'checkout-price-guard';

const require = createRequire(import.meta.url);
const store = new MemoryStore();
const app = express();
const silent = { warn() {}, error() {} };
app.post('/checkout', express.json(), priceGuard({ store, logger: silent }), (_req, res) => res.status(201).end());
app.use('/review', reviewRouter({ store, tokens: [{ name: 'ana', role: 'reviewer', sha256: hashToken('pack-test-token') }], logger: silent }));
const server = app.listen(0, '127.0.0.1', async () => {
  const base = 'http://127.0.0.1:' + server.address().port;
  const held = await fetch(base + '/checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: process.env.ORDER });
  const list = await fetch(base + '/review/api/holds?status=pending', { headers: { authorization: 'Bearer pack-test-token' } });
  const page = await fetch(base + '/review/');
  console.log(JSON.stringify({
    express: require('express/package.json').version,
    status: held.status,
    body: await held.json(),
    listed: (await list.json()).items.map((item) => item.orderId),
    page: page.status,
    pageType: page.headers.get('content-type'),
  }));
  server.close();
});
`;

/** One tsconfig for both TypeScript consumers: each file's module format follows its folder's package.json. */
const TS_CONFIG = JSON.stringify({
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'ES2022',
    strict: true,
    // Our .d.ts files are checked too, against the installed @types/express and @types/node.
    skipLibCheck: false,
    types: ['node'],
  },
  include: ['ts-module/index.ts', 'ts-commonjs/index.ts'],
});

// The same source in an ESM and a CJS TypeScript project: default import, named imports and the option types.
const TS_SOURCE = `
import priceGuard, { type PriceGuardOptions, MemoryStore, OptionsError, reviewRouter } from 'checkout-price-guard';
import { priceGuard as named } from 'checkout-price-guard';

const options: PriceGuardOptions = { store: new MemoryStore(), mode: 'shadow' };
const middleware = priceGuard(options);
let rejected = '';
try {
  priceGuard({ polcy: {} } as unknown as PriceGuardOptions);
} catch (error) {
  if (error instanceof OptionsError) rejected = error.code;
}
console.log(JSON.stringify({
  defaultIsNamed: priceGuard === named,
  guard: typeof middleware.guard.check,
  router: typeof reviewRouter,
  rejected,
}));
`;

suite('the packed tarball', () => {
  let work: string;
  let tarball: string;
  let shipped: string[];
  let consumer5: string;
  let consumer4: string;
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cpg-pack-'));
    // A staging copy of what `files` names, built there: the shared dist/ of the checkout is never touched.
    const stage = join(work, 'package');
    mkdirSync(stage);
    for (const entry of ['package.json', 'README.md', 'LICENSE', ...pkg.files]) {
      if (entry.startsWith('!') || entry === 'dist' || !existsSync(join(ROOT, entry))) continue;
      cpSync(join(ROOT, entry), join(stage, entry), { recursive: true });
    }
    // The same steps as `npm run build` (what `prepack` runs), into the staging copy.
    await ok(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')], {
      cwd: ROOT,
    });
    await ok(process.execPath, [join(ROOT, 'scripts', 'copy-assets.js'), join(stage, 'dist')], { cwd: ROOT });
    const packed = JSON.parse(
      await ok('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
        cwd: stage,
        env: NPM_ENV,
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, packed[0]!.filename);
    shipped = packed[0]!.files.map((file) => file.path).sort();

    consumer5 = join(work, 'consumer-express5');
    consumer4 = join(work, 'consumer-express4');
    mkdirSync(consumer5);
    mkdirSync(consumer4);
    writeFileSync(join(consumer5, 'package.json'), JSON.stringify({ name: 'consumer5', private: true }));
    writeFileSync(join(consumer4, 'package.json'), JSON.stringify({ name: 'consumer4', private: true }));
    await Promise.all([
      npmInstall(consumer5, [
        tarball,
        `express@${EXPRESS_5}`,
        `@types/express@${pkg.devDependencies['@types/express']}`,
        `@types/node@${pkg.devDependencies['@types/node']}`,
      ]),
      npmInstall(consumer4, [tarball, `express@${EXPRESS_4}`]),
    ]);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the entry points, the Lua scripts, the review page, the dashboards and alerts, and a LICENSE', () => {
    for (const file of [
      'package.json',
      'LICENSE',
      'README.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.mjs',
      'dist/index.d.mts',
      'dist/cli.js',
      'dist/tools/replay-cli.js',
      'dist/tools/scenarios.js',
      'grafana/dashboards/checkout-price-guard.json',
      'prometheus/alerts.yml',
    ]) {
      expect(shipped).toContain(file);
    }
    // Every file copy-assets puts beside the code (Lua scripts, the review page) is in the tarball.
    const assets = walk(join(ROOT, 'src')).filter((file) => !/\.[mc]?ts$/.test(file));
    expect(assets.length).toBeGreaterThan(10);
    for (const asset of assets) expect(shipped).toContain(`dist/${asset}`);
    expect(shipped.some((file) => file.startsWith('grafana/provisioning/'))).toBe(true);
  });

  it('ships nothing that does not run: no bench, no source maps, no sources, tests or scripts', () => {
    const unwanted = shipped.filter(
      (file) =>
        file.startsWith('dist/tools/bench/') ||
        file.endsWith('.map') ||
        /^(src|test|scripts|docs|examples)\//.test(file) ||
        (/\.ts$/.test(file) && !/\.d\.m?ts$/.test(file)),
    );
    expect(unwanted).toEqual([]);
  });

  it('requires at run time only its dependencies, its peers and Node built-ins', () => {
    const allowed = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.peerDependencies),
      ...builtinModules,
    ]);
    const installed = join(consumer5, 'node_modules', pkg.name);
    const strays: string[] = [];
    for (const file of shipped.filter((path) => /\.(js|mjs)$/.test(path))) {
      // Comments may quote import lines; only code counts.
      const text = readFileSync(join(installed, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      for (const [, spec] of text.matchAll(/(?:require\(|from |import\()\s*["']([^"'./][^"']*)["']/g)) {
        const name = spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!;
        if (!allowed.has(name) && !name.startsWith('node:')) strays.push(`${file}: ${spec}`);
      }
    }
    expect(strays).toEqual([]);
  });

  it('installs the checkout-price-guard command', async () => {
    const bin = join(consumer5, 'node_modules', '.bin', 'checkout-price-guard');
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    expect(await ok(bin, ['--version'], { cwd: consumer5 })).toBe(`${version}\n`);
    const config = join(consumer5, 'service.yaml');
    writeFileSync(config, 'service:\n  port: 8080\npolicy:\n  floors:\n    TOTE: { IDR: 2000000 }\n');
    expect(await ok(bin, ['validate-config', config], { cwd: consumer5 })).toContain(
      'valid (policy mode enforce; 1 floors',
    );
  });

  it('works from CommonJS: require() gives the named exports and `default` is priceGuard', async () => {
    const dir = project(join(consumer5, 'cjs'), 'commonjs', {
      'index.js': `
        const guard = require('checkout-price-guard');
        const { priceGuard, reviewRouter, MemoryStore } = require('checkout-price-guard');
        console.log(JSON.stringify({
          priceGuard: typeof priceGuard,
          defaultIsNamed: guard.default === priceGuard,
          reviewRouter: typeof reviewRouter,
          store: typeof new MemoryStore().prepare,
        }));
      `,
    });
    const out = JSON.parse(await ok(process.execPath, ['index.js'], { cwd: dir }));
    expect(out).toEqual({
      priceGuard: 'function',
      defaultIsNamed: true,
      reviewRouter: 'function',
      store: 'function',
    });
  });

  it('works from ESM: the default import is priceGuard and every CommonJS export has its named import', async () => {
    const dir = project(join(consumer5, 'esm'), 'module', {
      'index.js': `
        import { createRequire } from 'node:module';
        import priceGuard, { priceGuard as named, MemoryStore } from 'checkout-price-guard';
        import * as namespace from 'checkout-price-guard';
        const cjs = createRequire(import.meta.url)('checkout-price-guard');
        console.log(JSON.stringify({
          priceGuard: typeof priceGuard,
          defaultIsNamed: priceGuard === named,
          missing: Object.keys(cjs).filter((key) => key !== 'default' && !(key in namespace)),
          oneCopy: MemoryStore === cjs.MemoryStore,
        }));
      `,
    });
    const out = JSON.parse(await ok(process.execPath, ['index.js'], { cwd: dir }));
    expect(out).toEqual({ priceGuard: 'function', defaultIsNamed: true, missing: [], oneCopy: true });
  });

  it('typechecks and runs in ESM and CommonJS TypeScript projects (module nodenext), default and named imports alike', async () => {
    project(join(consumer5, 'ts-module'), 'module', { 'index.ts': TS_SOURCE });
    project(join(consumer5, 'ts-commonjs'), 'commonjs', { 'index.ts': TS_SOURCE });
    writeFileSync(join(consumer5, 'tsconfig.json'), TS_CONFIG);
    const compiled = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer5 });
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.code).toBe(0);
    expect(readFileSync(join(consumer5, 'ts-module', 'index.js'), 'utf8')).toMatch(/^import /m);
    expect(readFileSync(join(consumer5, 'ts-commonjs', 'index.js'), 'utf8')).toMatch(
      /require\("checkout-price-guard"\)/,
    );
    for (const type of ['module', 'commonjs']) {
      const out = JSON.parse(
        await ok(process.execPath, ['index.js'], { cwd: join(consumer5, `ts-${type}`) }),
      );
      expect(out).toEqual({
        defaultIsNamed: true,
        guard: 'function',
        router: 'function',
        rejected: 'ERR_PRICE_GUARD_OPTIONS',
      });
    }
  }, 120_000);

  it.each([
    ['5', () => consumer5, EXPRESS_5],
    ['4', () => consumer4, EXPRESS_4],
  ])('holds an order (202) and lists it for review in an Express %s app', async (_major, dir, version) => {
    writeFileSync(join(dir(), 'app.mjs'), APP);
    const out = JSON.parse(
      await ok(process.execPath, ['app.mjs'], {
        cwd: dir(),
        env: { ...process.env, ORDER: JSON.stringify(MARC_JACOBS_ORDER) },
      }),
    );
    expect(out).toEqual({
      express: version,
      status: 202,
      body: expect.objectContaining({ status: 'held', orderId: 'ord_8f2c', reviewId: 'ord_8f2c' }),
      listed: ['ord_8f2c'],
      page: 200,
      pageType: expect.stringContaining('text/html'),
    });
  });
});
