// test/helpers/npm-registry.ts
// A local npm registry built from package-lock.json, so `npm install` in a test needs no network.

/*
 * `npm ci` leaves the tarball of every package in package-lock.json in the npm cache, but not the registry's
 * metadata (the packuments) that `npm install SPEC` resolves versions with; so on a fresh machine with no
 * network `npm install express@5` fails, even with --offline. This server answers those packuments from the
 * lock: every version of a name the lock holds, with its dependencies, and its integrity, by which npm takes
 * the tarball from its cache without downloading it. npm resolves the consumer's dependencies as it would
 * against the public registry, among the versions this repository is installed and tested with.
 *
 *   const registry = await startLockRegistry();   // http://127.0.0.1:PORT/, stopped when the test file ends
 *   await run('npm', ['install', '--registry', registry.url, 'express@5.3.0'], { cwd });
 *   registry.missing                              // names asked for that the lock does not hold
 *   await registry.close();
 *
 * A tarball not in the cache is refused (404 naming it) rather than fetched: the suite then says what is missing.
 */

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { atSuiteEnd } from './owned';

const ROOT = join(__dirname, '..', '..');

/** One package-lock.json (v2/v3) entry, as far as a packument needs it. */
interface LockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** A running lock registry. */
export interface LockRegistry {
  /** Its URL, with a trailing slash, for npm's --registry. */
  readonly url: string;
  /** Package names npm asked for that package-lock.json does not hold. */
  readonly missing: string[];
  close(): Promise<void>;
}

/** The packuments (name → versions) of every package in the lock that has an integrity. */
function lockPackuments(lockText: string): Map<string, Map<string, LockEntry>> {
  const lock = JSON.parse(lockText) as { packages?: Record<string, LockEntry> };
  const names = new Map<string, Map<string, LockEntry>>();
  for (const [location, entry] of Object.entries(lock.packages ?? {})) {
    const at = location.lastIndexOf('node_modules/');
    if (at < 0 || entry.link || !entry.version || !entry.integrity) continue;
    // An alias (`"express4": "npm:express@4.21.2"`) is installed under its alias with the real name in `name`.
    const name = entry.name ?? location.slice(at + 'node_modules/'.length);
    const versions = names.get(name) ?? new Map<string, LockEntry>();
    versions.set(entry.version, entry);
    names.set(name, versions);
  }
  return names;
}

/** The highest of some semver versions (x.y.z with an optional pre-release, enough for dist-tags.latest). */
function highest(versions: string[]): string {
  const key = (version: string) => {
    const [core, pre] = version.split('-', 2);
    return [...core!.split('.').map(Number), pre === undefined ? 1 : 0];
  };
  return [...versions].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let index = 0; index < x.length; index++) if (x[index] !== y[index]) return x[index]! - y[index]!;
    return 0;
  })[versions.length - 1]!;
}

/** Starts a registry on a free port of 127.0.0.1 serving the packuments of this repository's package-lock.json. */
export async function startLockRegistry(): Promise<LockRegistry> {
  const packuments = lockPackuments(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const missing: string[] = [];
  let url = '';
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://registry').pathname).slice(1);
    const tarball = /^(.+)\/-\/[^/]+\.tgz$/.exec(path);
    if (tarball) {
      // npm asks for a tarball only when its cache lacks it: there is no network to fetch it from.
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `${path} is not in the npm cache (run npm ci first)` }));
      return;
    }
    const versions = packuments.get(path);
    if (req.method !== 'GET' || !versions) {
      if (!versions) missing.push(path);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `${path} is not in package-lock.json` }));
      return;
    }
    const body = {
      name: path,
      'dist-tags': { latest: highest([...versions.keys()]) },
      versions: Object.fromEntries(
        [...versions].map(([version, entry]) => {
          const file = `${path.split('/').pop()}-${version}.tgz`;
          return [
            version,
            {
              name: path,
              version,
              dependencies: entry.dependencies,
              optionalDependencies: entry.optionalDependencies,
              peerDependencies: entry.peerDependencies,
              peerDependenciesMeta: entry.peerDependenciesMeta,
              bin: entry.bin,
              engines: entry.engines,
              os: entry.os,
              cpu: entry.cpu,
              libc: entry.libc,
              dist: { integrity: entry.integrity, tarball: `${url}${path}/-/${file}` },
            },
          ];
        }),
      ),
    };
    // no-store: npm keeps these answers (of a port that changes every run) out of the user's cache.
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const release = atSuiteEnd(close);
  return {
    url,
    missing,
    async close() {
      release();
      await close();
    },
  };
}
