// scripts/docker-lint.js
// Static checks of the Docker files: Dockerfile diagnostics (dockerfile-utils) + policy, compose host paths exist.
//
// Also reads the Prometheus and Alertmanager configs compose mounts: every host a Prometheus static target
// names (scrape targets, alertmanagers) must be a compose service, and every Alertmanager route must name a
// defined receiver.
//
// Also checks that the code shipped in the image imports only production dependencies: the runtime stage
// installs `npm ci --omit=dev`, so a value import of a devDependency from src/ crashes the container at start.
//
// Usage: node scripts/docker-lint.js [--dockerfile PATH] [--compose PATH]
// Exits 1 with one line per problem (file, location, the offending path or instruction), 0 when clean.
// Needs only dockerfile-utils and yaml from node_modules; no Docker engine, no network.

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

function parseArgs(argv) {
  const opts = { dockerfile: path.join(ROOT, 'Dockerfile'), compose: path.join(ROOT, 'docker-compose.yml') };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if ((arg === '--dockerfile' || arg === '--compose') && argv[i + 1]) {
      opts[arg.slice(2)] = path.resolve(argv[i + 1]);
      i += 1;
    } else {
      throw new Error(`unknown argument ${arg} (usage: docker-lint.js [--dockerfile PATH] [--compose PATH])`);
    }
  }
  return opts;
}

// Repo-relative path for messages; absolute when outside the repo.
const rel = (p) => {
  const r = path.relative(ROOT, p);
  return r.startsWith('..') ? p : r || '.';
};

// ------------------------------------------------------------------------------------------ Dockerfile

// Dockerfile instructions with continuation lines joined: [{ line (1-based), keyword, args }].
function instructions(content) {
  const out = [];
  const lines = content.split(/\r?\n/);
  let current = null;
  lines.forEach((raw, idx) => {
    const text = raw.trim();
    if (current === null) {
      if (text === '' || text.startsWith('#')) return;
      const m = /^(\S+)\s*(.*)$/.exec(text);
      current = { line: idx + 1, keyword: m[1].toUpperCase(), args: m[2] };
    } else if (text.startsWith('#')) {
      return; // comment lines inside a continued instruction are dropped by Docker too
    } else {
      current.args += ` ${text}`;
    }
    if (current.args.endsWith('\\')) {
      current.args = current.args.slice(0, -1).trimEnd();
    } else {
      out.push(current);
      current = null;
    }
  });
  if (current !== null) out.push(current);
  return out;
}

// Paths of a VOLUME instruction: JSON array form or space separated.
function volumePaths(args) {
  const text = args.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      return [];
    }
  }
  return text.split(/\s+/);
}

function lintDockerfile(file, problems) {
  const where = rel(file);
  if (!fs.existsSync(file)) {
    problems.push(`${where}: file not found`);
    return 0;
  }
  const content = fs.readFileSync(file, 'utf8');
  const { validate, ValidationSeverity } = require('dockerfile-utils');
  // Every rule at least a warning (none ignored); the lint fails on errors and warnings alike.
  const W = ValidationSeverity.WARNING;
  const settings = {
    deprecatedMaintainer: W,
    directiveCasing: W,
    emptyContinuationLine: W,
    instructionCasing: W,
    instructionCmdMultiple: W,
    instructionEntrypointMultiple: W,
    instructionHealthcheckMultiple: W,
    instructionJSONInSingleQuotes: W,
    instructionWorkdirRelative: W,
  };
  for (const d of validate(content, settings)) {
    // LSP severities: 1 error, 2 warning, 3 information, 4 hint.
    if (d.severity === 1 || d.severity === 2) {
      const level = d.severity === 1 ? 'error' : 'warning';
      problems.push(
        `${where}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${level}: ${d.message}`,
      );
    }
  }

  // Policy of this project's image (docs/docker.md): checks dockerfile-utils cannot know about.
  const ins = instructions(content);
  const froms = ins.filter((i) => i.keyword === 'FROM');
  const firstFrom = ins.findIndex((i) => i.keyword === 'FROM');
  const nodeImageArg = ins
    .slice(0, firstFrom < 0 ? ins.length : firstFrom)
    .find((i) => i.keyword === 'ARG' && /^NODE_IMAGE=\S+/.test(i.args));
  if (!nodeImageArg) problems.push(`${where}: no \`ARG NODE_IMAGE=<image>\` before the first FROM`);
  if (froms.length < 2) problems.push(`${where}: expected a multi-stage build (found ${froms.length} FROM)`);
  for (const f of froms) {
    const image = f.args.replace(/^--platform=\S+\s+/, '').split(/\s+/)[0];
    if (
      !/^\$\{NODE_IMAGE\}$/.test(image) &&
      !froms.some((g) => new RegExp(`\\bAS\\s+${image}$`, 'i').test(g.args))
    ) {
      problems.push(
        `${where}:${f.line}: FROM ${image}: stages must build on \${NODE_IMAGE} (or an earlier stage)`,
      );
    }
  }
  const last = ins.slice(ins.lastIndexOf(froms[froms.length - 1]));
  const users = last.filter((i) => i.keyword === 'USER');
  const user = users.length ? users[users.length - 1] : null;
  if (!user) {
    problems.push(`${where}: final stage has no USER (the image would run as root)`);
  } else if (!/^[1-9]\d*(:\d+)?$/.test(user.args.trim())) {
    problems.push(`${where}:${user.line}: USER ${user.args}: use a numeric non-root uid (e.g. 10001:10001)`);
  }
  const checks = [
    ['HEALTHCHECK', (i) => i.keyword === 'HEALTHCHECK' && !/^NONE$/i.test(i.args.trim()), 'a HEALTHCHECK'],
    ['EXPOSE', (i) => i.keyword === 'EXPOSE' && /(^|\s)3000(\/tcp)?(\s|$)/.test(i.args), 'EXPOSE 3000'],
    ['VOLUME', (i) => i.keyword === 'VOLUME' && volumePaths(i.args).includes('/config'), 'VOLUME /config'],
    [
      'ENV',
      (i) => i.keyword === 'ENV' && /(^|\s)NODE_ENV=production(\s|$)/.test(i.args),
      'ENV NODE_ENV=production',
    ],
  ];
  for (const [, test, what] of checks) {
    if (!last.some(test)) problems.push(`${where}: final stage lacks ${what}`);
  }
  const setsConfig = ins.find((i) => i.keyword === 'ENV' && /(^|\s)PRICE_GUARD_CONFIG=/.test(i.args));
  if (setsConfig) {
    problems.push(
      `${where}:${setsConfig.line}: PRICE_GUARD_CONFIG must stay unset in the image (set it at run time)`,
    );
  }
  // COPY/ADD sources from the build context must exist (the context is the Dockerfile's directory).
  const context = path.dirname(file);
  for (const i of ins.filter((x) => x.keyword === 'COPY' || x.keyword === 'ADD')) {
    if (/(^|\s)--from=/.test(i.args)) continue;
    let parts;
    const args = i.args.replace(/(^|\s)--\S+/g, ' ').trim();
    if (args.startsWith('[')) {
      try {
        parts = JSON.parse(args);
      } catch {
        continue; // dockerfile-utils reports malformed JSON
      }
    } else {
      parts = args.split(/\s+/);
    }
    for (const src of parts.slice(0, -1)) {
      if (/^https?:\/\//.test(src) || /[*?[]/.test(src)) continue;
      if (!fs.existsSync(path.join(context, src))) {
        problems.push(
          `${where}:${i.line}: ${i.keyword} source ${src} does not exist (${rel(path.join(context, src))})`,
        );
      }
    }
  }
  return ins.length;
}

// ------------------------------------------------------------------------------------------ compose

// Host side of a short-syntax volume "SRC:DST[:MODE]", or null for an anonymous or named volume.
function bindSource(spec) {
  const parts = spec.split(':');
  if (parts.length < 2) return null; // "/data": anonymous volume
  const src = parts[0];
  return /^(\.|\/|~)/.test(src) ? src : null;
}

function lintCompose(file, problems) {
  const where = rel(file);
  if (!fs.existsSync(file)) {
    problems.push(`${where}: file not found`);
    return { services: 0, paths: 0 };
  }
  const YAML = require('yaml');
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
  if (doc.errors.length) {
    for (const e of doc.errors) problems.push(`${where}: YAML: ${e.message.split('\n')[0]}`);
    return { services: 0, paths: 0 };
  }
  const compose = doc.toJS() || {};
  const base = path.dirname(file);
  const services = compose.services || {};
  const namedVolumes = Object.keys(compose.volumes || {});
  let paths = 0;
  const expectPath = (at, p, kind) => {
    paths += 1;
    if (typeof p !== 'string' || p === '') {
      problems.push(`${where}: ${at}: ${kind} path is missing or not a string`);
      return null;
    }
    if (/\$\{?\w/.test(p)) {
      problems.push(
        `${where}: ${at}: ${kind} path ${p} uses a variable; use a literal path the lint can check`,
      );
      return null;
    }
    const abs = path.resolve(base, p.replace(/^~(?=\/|$)/, process.env.HOME || '~'));
    if (!fs.existsSync(abs)) {
      problems.push(`${where}: ${at}: ${kind} path ${p} does not exist (${rel(abs)})`);
      return null;
    }
    return abs;
  };

  if (!Object.keys(services).length) problems.push(`${where}: no services`);
  for (const [name, svc] of Object.entries(services)) {
    const at = `services.${name}`;
    if (!svc || typeof svc !== 'object') continue;
    if (svc.build !== undefined) {
      const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
      const ctx = expectPath(`${at}.build.context`, build.context ?? '.', 'build context');
      if (ctx && build.dockerfile !== undefined) {
        expectPath(
          `${at}.build.dockerfile`,
          path.join(path.relative(base, ctx) || '.', build.dockerfile),
          'Dockerfile',
        );
      } else if (ctx) {
        expectPath(
          `${at}.build.dockerfile`,
          path.join(path.relative(base, ctx) || '.', 'Dockerfile'),
          'Dockerfile',
        );
      }
    }
    (svc.volumes || []).forEach((v, idx) => {
      const vat = `${at}.volumes[${idx}]`;
      if (typeof v === 'string') {
        const src = bindSource(v);
        if (src) expectPath(vat, src, 'bind mount');
        else {
          const named = v.split(':')[0];
          if (v.includes(':') && !namedVolumes.includes(named)) {
            problems.push(`${where}: ${vat}: named volume ${named} is not declared under top-level volumes`);
          }
        }
      } else if (v && typeof v === 'object') {
        if (v.type === 'bind') expectPath(vat, v.source, 'bind mount');
        else if (v.type === 'volume' && v.source && !namedVolumes.includes(v.source)) {
          problems.push(`${where}: ${vat}: named volume ${v.source} is not declared under top-level volumes`);
        }
      }
    });
    const envFiles = svc.env_file === undefined ? [] : [].concat(svc.env_file);
    envFiles.forEach((f, idx) => {
      const p = typeof f === 'string' ? f : f?.path;
      if (typeof f === 'object' && f?.required === false) return;
      expectPath(`${at}.env_file[${idx}]`, p, 'env_file');
    });
    if (svc.extends?.file) expectPath(`${at}.extends.file`, svc.extends.file, 'extends');
  }
  for (const kind of ['configs', 'secrets']) {
    for (const [name, def] of Object.entries(compose[kind] || {})) {
      if (def && typeof def === 'object' && def.file !== undefined)
        expectPath(`${kind}.${name}.file`, def.file, kind);
    }
  }
  const configs = lintMountedConfigs(services, base, problems);
  return { services: Object.keys(services).length, paths, configs };
}

// ------------------------------------------------------------------------------------------ mounted configs

// Host files bind-mounted into services, with the mount's name for messages: a mounted directory gives its files.
function mountedFiles(services, base) {
  const files = [];
  for (const [name, svc] of Object.entries(services)) {
    for (const v of svc?.volumes || []) {
      const src = typeof v === 'string' ? bindSource(v) : v?.type === 'bind' ? v.source : null;
      if (!src) continue;
      const abs = path.resolve(base, src);
      if (!fs.existsSync(abs)) continue; // reported above
      const found = fs.statSync(abs).isDirectory()
        ? fs.readdirSync(abs).map((entry) => path.join(abs, entry))
        : [abs];
      for (const file of found)
        files.push({ service: name, file, direct: found.length === 1 && file === abs });
    }
  }
  // A file mounted by itself names the service it is for better than a mounted folder does.
  return files.sort((a, b) => Number(b.direct) - Number(a.direct));
}

// Prometheus (prometheus.yml) and Alertmanager (alertmanager.yml) configs mounted into the stack must fit it.
function lintMountedConfigs(services, base, problems) {
  const YAML = require('yaml');
  const names = new Set(Object.keys(services));
  let checked = 0;
  const seen = new Set();
  for (const { service, file } of mountedFiles(services, base)) {
    const kind = /^prometheus\.ya?ml$/.test(path.basename(file))
      ? 'prometheus'
      : /^alertmanager\.ya?ml$/.test(path.basename(file))
        ? 'alertmanager'
        : null;
    if (!kind || seen.has(file)) continue;
    seen.add(file);
    checked += 1;
    const where = `${rel(file)} (mounted into ${service})`;
    let config;
    try {
      config = YAML.parse(fs.readFileSync(file, 'utf8')) || {};
    } catch (err) {
      problems.push(`${where}: YAML: ${err.message.split('\n')[0]}`);
      continue;
    }
    if (kind === 'prometheus') {
      const targets = [];
      for (const job of config.scrape_configs || []) {
        for (const sc of job.static_configs || []) {
          for (const t of sc.targets || []) targets.push([`scrape job ${job.job_name}`, t]);
        }
      }
      for (const am of config.alerting?.alertmanagers || []) {
        for (const sc of am.static_configs || []) {
          for (const t of sc.targets || []) targets.push(['alertmanagers', t]);
        }
      }
      for (const [what, target] of targets) {
        const host = String(target).replace(/:\d+$/, '');
        if (host !== 'localhost' && host !== '127.0.0.1' && !names.has(host)) {
          problems.push(
            `${where}: ${what} target ${target}: ${host} is not a service of the compose file (${[...names].join(', ')})`,
          );
        }
      }
    } else {
      const receivers = new Set((config.receivers || []).map((r) => r?.name));
      if (!config.route) problems.push(`${where}: no route`);
      const walk = (route, at) => {
        if (!route || typeof route !== 'object') return;
        if (route.receiver !== undefined && !receivers.has(route.receiver)) {
          problems.push(`${where}: ${at}.receiver ${route.receiver} is not defined under receivers`);
        }
        for (const [index, child] of (route.routes || []).entries()) walk(child, `${at}.routes[${index}]`);
      };
      if (config.route && config.route.receiver === undefined) {
        problems.push(`${where}: route has no receiver (the top-level route needs one)`);
      }
      walk(config.route, 'route');
    }
  }
  return checked;
}

// ------------------------------------------------------------------------------------------ runtime imports

// Source trees never loaded by `node dist/cli.js` (dev tooling compiled along with the rest).
const DEV_ONLY_SOURCES = ['src/tools/bench/'];

// Package names a TypeScript file needs at run time (type-only imports are erased by tsc).
function runtimeImports(text) {
  const names = [];
  const add = (spec) => {
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return;
    const parts = spec.split('/');
    names.push(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  };
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const staticForms = /^\s*(import|export)\s+(type\s+)?([^'"`;]*?)\s*from\s*['"]([^'"]+)['"]/gm;
  for (const m of code.matchAll(staticForms)) {
    if (m[2]) continue; // import type / export type
    const braces = /^\{([\s\S]*)\}$/.exec(m[3].trim());
    const specifiers = braces
      ? braces[1]
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : [];
    if (braces && specifiers.length && specifiers.every((x) => x.startsWith('type '))) continue;
    add(m[4]);
  }
  for (const m of code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) add(m[1]);
  for (const m of code.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1]);
  return names;
}

function lintRuntimeImports(problems) {
  const pkgFile = path.join(ROOT, 'package.json');
  const srcDir = path.join(ROOT, 'src');
  if (!fs.existsSync(pkgFile) || !fs.existsSync(srcDir)) return 0;
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  const prod = new Set(
    [pkg.dependencies, pkg.optionalDependencies, pkg.peerDependencies].flatMap((d) => Object.keys(d || {})),
  );
  const dev = new Set(Object.keys(pkg.devDependencies || {}));
  const builtins = new Set(require('node:module').builtinModules);
  let files = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const r = rel(full).split(path.sep).join('/');
      if (DEV_ONLY_SOURCES.some((d) => `${r}/`.startsWith(d))) continue;
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|mts|cts|js|cjs|mjs)$/.test(entry.name) && !/\.d\.ts$|\.test\.ts$/.test(entry.name)) {
        files += 1;
        for (const name of new Set(runtimeImports(fs.readFileSync(full, 'utf8')))) {
          if (prod.has(name) || builtins.has(name)) continue;
          problems.push(
            dev.has(name)
              ? `${r}: imports ${name}, which is only a devDependency: the image installs --omit=dev, so ` +
                  `\`node dist/cli.js\` fails with "Cannot find module '${name}'" (move it to dependencies)`
              : `${r}: imports ${name}, which package.json does not list in dependencies`,
          );
        }
      }
    }
  };
  walk(srcDir);
  return files;
}

// ------------------------------------------------------------------------------------------ main

function main() {
  const started = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  const problems = [];
  const count = lintDockerfile(opts.dockerfile, problems);
  const { services, paths, configs = 0 } = lintCompose(opts.compose, problems);
  const sources = lintRuntimeImports(problems);
  if (problems.length) {
    for (const p of problems) console.error(`docker-lint: ${p}`);
    console.error(`docker-lint: FAIL, ${problems.length} problem(s)`);
    process.exitCode = 1;
    return;
  }
  console.log(
    `docker-lint: OK (${rel(opts.dockerfile)}: ${count} instructions; ${rel(opts.compose)}: ` +
      `${services} services, ${paths} host paths exist, ${configs} mounted Prometheus/Alertmanager configs fit; ` +
      `${sources} source files import production deps only) ` +
      `in ${Date.now() - started} ms`,
  );
}

try {
  main();
} catch (err) {
  console.error(`docker-lint: ${err.message}`);
  process.exitCode = 2;
}
