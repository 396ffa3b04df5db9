#!/usr/bin/env node
// scripts/complete-lockfile.js
//
// Some registry mirrors (this project's build machines among them) carry only the Linux builds of
// packages that ship one native binary per platform as optional dependencies (@biomejs/cli-*,
// @unrs/resolver-binding-*). `npm install` then leaves the other platforms out of
// package-lock.json, and `npm ci` refuses the lock ("Missing: ... from lock file").
//
// This script records every declared-but-absent platform package in the lock, with the os, cpu and
// libc its name states, so npm ci skips it on a platform it does not fit and fetches it by name and
// version on one it does. Run it after any `npm install` that changes the lock:
//
//   npm install && node scripts/complete-lockfile.js && npm ci

const fs = require('node:fs');
const path = require('node:path');

const lockPath = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openharmony', 'win32'];
const CPU = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x'];
const LIBC = { gnu: 'glibc', gnueabihf: 'glibc', musl: 'musl', musleabihf: 'musl' };

/** Platform fields from a binary package's name, e.g. "cli-linux-x64-musl" or "binding-win32-x64-msvc". */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const osIndex = parts.findIndex((part) => OS.includes(part));
  if (osIndex < 0 || !CPU.includes(parts[osIndex + 1])) return undefined;
  const os = parts[osIndex];
  const cpu = parts[osIndex + 1];
  const abi = parts[osIndex + 2];
  const fields = { cpu: [cpu], os: [os] };
  if (os === 'linux') fields.libc = [LIBC[abi] ?? 'glibc'];
  return fields;
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  if (!location.startsWith('node_modules/') || !entry.optionalDependencies) continue;
  for (const [name, version] of Object.entries(entry.optionalDependencies)) {
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const platform = platformOf(name);
    if (!platform) continue; // not a per-platform binary: leave npm's judgement alone
    packages[key] = { version, ...platform, ...(entry.dev ? { dev: true } : {}), optional: true };
    added += 1;
  }
}

const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: recorded ${added} platform package(s) the registry did not serve`);
