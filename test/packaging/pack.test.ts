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
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { type LockRegistry, startLockRegistry } from '../helpers/npm-registry';
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
/** Express 4's types, as the `@types/express4` alias pins them (a devDependency, so `npm ci` caches them). */
const TYPES_EXPRESS_4 = pkg.devDependencies['@types/express4']!.replace(/^npm:@types\/express@/, '');

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
let registry: LockRegistry;

/** Every entry of the package's `exports` map (but its files), with names each must export at run time. */
const ENTRIES: Record<string, string[]> = {
  'checkout-price-guard': [
    'priceGuard',
    'default',
    'Guard',
    'GuardOptionsError',
    'MemoryStore',
    'OptionsError',
    'parsePolicy',
  ],
  'checkout-price-guard/redis': ['RedisStore', 'createRedisClient', 'createStoreFromEnv'],
  'checkout-price-guard/review': ['reviewRouter', 'hashToken', 'ReviewOptionsError', 'ReviewWorkflow'],
  'checkout-price-guard/metrics': ['createMetrics', 'instrumentStore', 'METRIC_NAMES'],
  'checkout-price-guard/webhooks': [
    'verifyWebhookSignature',
    'signWebhook',
    'ReviewEvents',
    'EVENT_TYPES',
    'createWebhookDelivery',
    'WebhookOptionsError',
  ],
  'checkout-price-guard/service': ['createService', 'loadConfig', 'parseConfig', 'ConfigError'],
  'checkout-price-guard/preflight': ['preflight', 'formatPreflight', 'parseCatalog', 'CatalogError'],
  'checkout-price-guard/replay': ['replay', 'formatReport', 'compileMapping'],
};

/**
 * Entries that need a platform the shop already runs, an optional peer (`checkout-price-guard/vendure` needs
 * `@vendure/core`): shipped and mapped like the others, and loaded only where that peer is installed. `peer` is
 * the package the entry asks for when it is absent; `imports` the optional peers the entry's code imports, which
 * the Express 5 app gets as links to this repository's node_modules (Vendure's own dependencies are hundreds of
 * packages: each link resolves them from where it points); `names` as in ENTRIES.
 */
const PEER_ENTRIES: Record<string, { peer: string; imports: string[]; names: string[] }> = {
  'checkout-price-guard/vendure': {
    peer: '@vendure/core',
    imports: ['@vendure/core', '@nestjs/graphql', 'graphql'],
    names: [
      'PriceGuardPlugin',
      'PriceGuardOrderResolver',
      'PriceGuardPluginOptionsError',
      'toGuardOrder',
      'VendureMappingError',
      'HOLD_STATE',
    ],
  },
};

/** The entries an app on Vendure loads: all of them. */
const ON_VENDURE: Record<string, string[]> = {
  ...ENTRIES,
  ...Object.fromEntries(Object.entries(PEER_ENTRIES).map(([entry, { names }]) => [entry, names])),
};

/**
 * `npm install SPECS` as a user runs it, with no network: versions resolved by a local registry that knows what
 * package-lock.json holds, tarballs from the npm cache that `npm ci` filled (test/helpers/npm-registry.ts).
 */
async function npmInstall(cwd: string, specs: string[]): Promise<void> {
  const args = [
    'install',
    '--no-audit',
    '--no-fund',
    '--no-package-lock',
    '--registry',
    registry.url,
    ...specs,
  ];
  const result = await run('npm', args, { cwd, env: NPM_ENV });
  if (result.code !== 0) {
    const missing =
      registry.missing.length > 0 ? `\nnot in package-lock.json: ${registry.missing.join(', ')}` : '';
    throw new Error(
      `npm ${args.join(' ')} exited ${result.code}${missing}\n${result.stdout}\n${result.stderr}`,
    );
  }
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
import priceGuard, { MemoryStore } from 'checkout-price-guard';
import { hashToken, reviewRouter } from 'checkout-price-guard/review';

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

/**
 * One tsconfig for `file` in both TypeScript consumers: each copy's module format follows its folder's package.json.
 * Our .d.ts files are checked too, against the installed @types/express and @types/node; but not beside Vendure,
 * whose own dependencies' declarations fail the check (@nestjs/graphql's name ts-morph, subscriptions-transport-ws's
 * name ws, and Vendure installs neither): Vendure's project template sets skipLibCheck, and so does its program here.
 */
const tsConfig = (file: string, skipLibCheck: boolean) =>
  JSON.stringify({
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'ES2022',
      strict: true,
      skipLibCheck,
      types: ['node'],
    },
    include: [`ts-module/${file}`, `ts-commonjs/${file}`],
  });

// The same source in an ESM and a CJS TypeScript project: default import, named imports and the option types.
const TS_SOURCE = `
import priceGuard, { type PriceGuardOptions, type GuardStore, MemoryStore, OptionsError } from 'checkout-price-guard';
import { priceGuard as named } from 'checkout-price-guard';
import { RedisStore, type RedisStoreOptions } from 'checkout-price-guard/redis';
import { reviewRouter, type ReviewRouterOptions } from 'checkout-price-guard/review';
import { createMetrics, type MetricsOptions } from 'checkout-price-guard/metrics';
import { verifyWebhookSignature, type GuardEvent } from 'checkout-price-guard/webhooks';
import { createService, type ServiceConfig } from 'checkout-price-guard/service';
import { preflight, type PreflightReport } from 'checkout-price-guard/preflight';
import { replay, type ReplayResult } from 'checkout-price-guard/replay';

const store: GuardStore = new MemoryStore();
const reviewOptions: ReviewRouterOptions = { store, tokens: [] };
const typed: [RedisStoreOptions?, MetricsOptions?, GuardEvent?, ServiceConfig?, PreflightReport?, ReplayResult?] = [];
const wings = [RedisStore, createMetrics, verifyWebhookSignature, createService, preflight, replay];

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
  wings: wings.every((wing) => typeof wing === 'function') && typed.length === 0 && reviewOptions.store === store,
  rejected,
}));
`;

// A Vendure shop's plugins list, beside the Vendure it runs: the plugin, its options and the names Vendure reads.
const TS_VENDURE_SOURCE = `
import { MemoryStore } from 'checkout-price-guard';
import {
  HOLD_STATE,
  PriceGuardOrderResolver,
  PriceGuardPlugin,
  type PriceGuardPluginOptions,
  PriceGuardPluginOptionsError,
  type GuardStatus,
  toGuardOrder,
  type VendureOrderSnapshot,
} from 'checkout-price-guard/vendure';
import { getCompatibility, getConfigurationFunction, graphQLResolversFor, type VendureConfig } from '@vendure/core';

const options: PriceGuardPluginOptions = { store: new MemoryStore(), review: false };
const plugins: NonNullable<VendureConfig['plugins']> = [PriceGuardPlugin.init(options)];
const status: GuardStatus = 'held';
const snapshot: VendureOrderSnapshot | undefined = undefined;
let rejected = '';
try {
  PriceGuardPlugin.init({ review: false, polcy: {} } as unknown as PriceGuardPluginOptions);
} catch (error) {
  if (error instanceof PriceGuardPluginOptionsError) rejected = error.code;
}
console.log(JSON.stringify({
  plugin: plugins[0] === PriceGuardPlugin,
  configuration: typeof getConfigurationFunction(PriceGuardPlugin),
  compatibility: getCompatibility(PriceGuardPlugin),
  resolver: graphQLResolversFor(PriceGuardPlugin, 'shop').includes(PriceGuardOrderResolver),
  holdState: HOLD_STATE,
  typed: typeof toGuardOrder === 'function' && status === 'held' && snapshot === undefined,
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
    registry = await startLockRegistry();
    work = mkdtempSync(join(tmpdir(), 'cpg-pack-'));
    // A staging copy of what `files` names, built there: the shared dist/ of the checkout is never touched.
    const stage = join(work, 'package');
    mkdirSync(stage);
    for (const pattern of ['package.json', 'README.md', 'LICENSE', ...pkg.files]) {
      // A pattern with a wildcard (docs/*.md) copies its folder: npm pack applies the pattern itself.
      const entry = pattern.includes('*') ? pattern.slice(0, pattern.indexOf('/')) : pattern;
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
      npmInstall(consumer4, [
        tarball,
        `express@${EXPRESS_4}`,
        `@types/express@${TYPES_EXPRESS_4}`,
        `@types/node@${pkg.devDependencies['@types/node']}`,
      ]),
    ]);
    // The Express 5 app is also a Vendure shop (Vendure 3 runs on Express 5): the peers the vendure entry imports
    // are links to this repository's, not installed. The Express 4 app stays without them.
    for (const name of Object.values(PEER_ENTRIES).flatMap((entry) => entry.imports)) {
      const link = join(consumer5, 'node_modules', name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), link, 'dir');
    }
  }, 300_000);

  afterAll(async () => {
    await registry?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships every entry point, the Lua scripts, the review page, the dashboards and alerts, examples and docs', () => {
    const entryFiles = [...Object.keys(ENTRIES), ...Object.keys(PEER_ENTRIES)].flatMap((entry) => {
      const name = entry === pkg.name ? 'index' : entry.slice(pkg.name.length + 1);
      return ['js', 'd.ts', 'mjs', 'd.mts'].map((extension) => `dist/${name}.${extension}`);
    });
    for (const file of [
      'package.json',
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      ...entryFiles,
      'dist/cli.js',
      'grafana/dashboards/checkout-price-guard.json',
      'prometheus/alerts.yml',
      'examples/policy.default.yaml',
      'examples/service.yaml',
      'docs/service.md',
      'docs/policy.md',
    ]) {
      expect(shipped).toContain(file);
    }
    // Every subpath of the exports map is one of ENTRIES (a new entry is tested here before it ships).
    const subpaths = Object.keys((pkg as unknown as { exports: Record<string, unknown> }).exports)
      .filter((key) => !key.includes('*') && key !== './package.json')
      .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));
    expect(subpaths.sort()).toEqual([...Object.keys(ENTRIES), ...Object.keys(PEER_ENTRIES)].sort());
    // Every file copy-assets puts beside the code (Lua scripts, the review page) is in the tarball.
    const assets = walk(join(ROOT, 'src')).filter((file) => !/\.[mc]?ts$/.test(file));
    expect(assets.length).toBeGreaterThan(10);
    for (const asset of assets) expect(shipped).toContain(`dist/${asset}`);
  });

  it('ships nothing that does not run: no dev tools, source maps, sources, tests, scripts or demo-only files', () => {
    const unwanted = shipped.filter(
      (file) =>
        /^dist\/(tools|bench|scenarios)\//.test(file) ||
        file.endsWith('.map') ||
        file.endsWith('.tsbuildinfo') ||
        /^(src|test|tools|scripts)\//.test(file) ||
        /^docs\/.*\.png$/.test(file) ||
        // The compose stack's own: its scrape config, and Grafana provisioning pointing at http://prometheus:9090.
        /^prometheus\/(tests\/|prometheus\.yml)/.test(file) ||
        file.startsWith('grafana/provisioning/') ||
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
    // The help names the docs where npm put them, and every page it names is there.
    const help = [
      await ok(bin, ['--help'], { cwd: consumer5 }),
      ...(await Promise.all(
        ['serve', 'validate-config', 'preflight', 'replay'].map((command) =>
          ok(bin, [command, '--help'], { cwd: consumer5 }),
        ),
      )),
    ].join('\n');
    const pages = [...help.matchAll(/node_modules\/checkout-price-guard\/docs\/[\w-]+\.md/g)].map(
      ([page]) => page,
    );
    expect(new Set(pages)).toEqual(
      new Set(
        ['service.md', 'preflight.md', 'replay.md'].map(
          (page) => `node_modules/checkout-price-guard/docs/${page}`,
        ),
      ),
    );
    for (const page of pages) expect(existsSync(join(consumer5, page))).toBe(true);
    expect(help).toContain(
      'node_modules/checkout-price-guard/README.md and node_modules/checkout-price-guard/docs/*.md',
    );
  });

  it.each([
    ['5 beside Vendure', () => consumer5, ON_VENDURE],
    ['4 without Vendure', () => consumer4, ENTRIES],
  ])(
    'works from CommonJS and ESM on Express %s: every entry it can load, one copy of the code',
    async (_app, consumer, entries) => {
      const dir = project(join(consumer(), 'entries'), 'module', {
        'index.js': `
        import { createRequire } from 'node:module';
        const require = createRequire(import.meta.url);
        const entries = ${JSON.stringify(entries)};
        const out = {};
        for (const [entry, names] of Object.entries(entries)) {
          const cjs = require(entry);
          const esm = await import(entry);
          out[entry] = {
            cjs: names.filter((name) => cjs[name] === undefined),
            esm: names.filter((name) => esm[name] === undefined),
            missing: Object.keys(cjs).filter((key) => key !== 'default' && !(key in esm)),
            oneCopy: Object.keys(cjs).every((key) => key === 'default' || esm[key] === cjs[key]),
          };
        }
        const root = require('checkout-price-guard');
        out.defaultIsPriceGuard = (await import('checkout-price-guard')).default === root.priceGuard && root.default === root.priceGuard;
        console.log(JSON.stringify(out));
      `,
      });
      const out = JSON.parse(await ok(process.execPath, ['index.js'], { cwd: dir }));
      const expected: Record<string, unknown> = { defaultIsPriceGuard: true };
      for (const entry of Object.keys(entries))
        expected[entry] = { cjs: [], esm: [], missing: [], oneCopy: true };
      expect(out).toEqual(expected);
    },
  );

  it('loads a platform entry only beside its platform: without it, one line names the package to install', async () => {
    for (const [entry, { peer }] of Object.entries(PEER_ENTRIES)) {
      const cjs = await run(process.execPath, ['-e', `require('${entry}')`], { cwd: consumer4 });
      const esm = await run(process.execPath, ['--input-type=module', '-e', `await import('${entry}')`], {
        cwd: consumer4,
      });
      for (const result of [cjs, esm]) {
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain(`${entry} needs ${peer} 3 installed beside it`);
      }
    }
  });

  it('keeps the root entry small: at most 30 names at run time, each other wing on its own subpath', () => {
    const root = require(join(consumer5, 'node_modules', pkg.name, 'dist', 'index.js')) as object;
    const names = Object.keys(root).filter((key) => key !== 'default' && key !== '__esModule');
    expect(names.length).toBeLessThanOrEqual(30);
    for (const wing of [
      'RedisStore',
      'reviewRouter',
      'createMetrics',
      'createService',
      'replay',
      'preflight',
    ]) {
      expect(names).not.toContain(wing);
    }
  });

  it.each([
    ['5 beside Vendure', () => consumer5, { 'index.ts': TS_SOURCE, 'vendure.ts': TS_VENDURE_SOURCE }],
    ['4 without Vendure', () => consumer4, { 'index.ts': TS_SOURCE }],
  ])(
    'typechecks and runs in ESM and CommonJS TypeScript projects (module nodenext) on Express %s, every entry it can load',
    async (_app, consumer, sources) => {
      const root = consumer();
      project(join(root, 'ts-module'), 'module', sources);
      project(join(root, 'ts-commonjs'), 'commonjs', sources);
      const configs = Object.keys(sources).map((file) => {
        const config = `tsconfig.${file.replace(/\.ts$/, '')}.json`;
        writeFileSync(join(root, config), tsConfig(file, file === 'vendure.ts'));
        return config;
      });
      for (const compiled of await Promise.all(
        configs.map((config) => run(process.execPath, [tsc, '-p', config], { cwd: root })),
      )) {
        expect(compiled.stdout + compiled.stderr).toBe('');
        expect(compiled.code).toBe(0);
      }
      expect(readFileSync(join(root, 'ts-module', 'index.js'), 'utf8')).toMatch(/^import /m);
      expect(readFileSync(join(root, 'ts-commonjs', 'index.js'), 'utf8')).toMatch(
        /require\("checkout-price-guard"\)/,
      );
      for (const type of ['module', 'commonjs']) {
        const out = JSON.parse(await ok(process.execPath, ['index.js'], { cwd: join(root, `ts-${type}`) }));
        expect(out).toEqual({
          defaultIsNamed: true,
          guard: 'function',
          router: 'function',
          wings: true,
          rejected: 'ERR_PRICE_GUARD_OPTIONS',
        });
        if (!('vendure.ts' in sources)) continue;
        // Vendure reads the plugin's metadata, and finds the very resolver class the entry exports.
        const vendure = JSON.parse(
          await ok(process.execPath, ['vendure.js'], { cwd: join(root, `ts-${type}`) }),
        );
        expect(vendure).toEqual({
          plugin: true,
          configuration: 'function',
          compatibility: '^3.0.0',
          resolver: true,
          holdState: 'PriceGuardHold',
          typed: true,
          rejected: 'ERR_PRICE_GUARD_VENDURE_OPTIONS',
        });
      }
    },
    180_000,
  );

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
