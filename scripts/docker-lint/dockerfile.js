// scripts/docker-lint/dockerfile.js
// Dockerfile checks: dockerfile-utils diagnostics (errors and warnings) and this project's image policy.

const fs = require('node:fs');
const path = require('node:path');
const { rel } = require('./paths');

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

module.exports = { lintDockerfile };
