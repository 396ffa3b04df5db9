// scripts/docker-lint/runtime-imports.js
// Code shipped in the image imports only production dependencies (the runtime stage installs --omit=dev).

const fs = require('node:fs');
const path = require('node:path');
const { ROOT, rel } = require('./paths');

// Source trees never loaded by `node dist/cli.js` (none: the dev tools live in tools/, outside src/).
const DEV_ONLY_SOURCES = [];

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

module.exports = { lintRuntimeImports };
