// scripts/docker-lint/compose.js
// Compose checks: host paths exist, named volumes are declared, mounted Prometheus/Alertmanager configs fit.

const fs = require('node:fs');
const path = require('node:path');
const { rel } = require('./paths');

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

module.exports = { lintCompose };
