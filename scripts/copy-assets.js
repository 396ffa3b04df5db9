#!/usr/bin/env node
// scripts/copy-assets.js
// Copies the non-TypeScript files of src/ (Lua scripts, the review page) into dist/ beside the compiled code.

const { cpSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');

/** Every file under `dir` that tsc does not emit (anything but .ts, .mts and .cts). */
function assets(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return assets(path);
    return /\.[mc]?ts$/.test(name) ? [] : [path];
  });
}

/** Copies src/<path> to <out>/<path> for every asset; returns how many. */
function copyAssets(out = join(ROOT, 'dist')) {
  const files = assets(join(ROOT, 'src'));
  for (const file of files) cpSync(file, join(out, relative(join(ROOT, 'src'), file)));
  return files.length;
}

module.exports = { copyAssets };

if (require.main === module) copyAssets(process.argv[2]);
