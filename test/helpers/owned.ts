// test/helpers/owned.ts
// What a suite starts is released when its file ends, passed or failed: processes killed, temp dirs removed.

/*
 * API (every helper that starts a process or makes a directory uses it; so can a suite):
 *
 *   const release = atSuiteEnd(() => server.close());   // runs when the file ends unless release() ran first
 *   const child = spawnOwned('prometheus', args, opts);  // spawn(), killed (SIGKILL) if still running at the end
 *   const dir = tempDir('cpg-thing-');                    // mkdtemp under the run's temp root, removed at the end
 *
 * The cleanups run in the file's jest environment (test/helpers/environment.js) after its afterAll hooks, so a
 * beforeAll that failed halfway or a forgotten stop() leaves nothing running. Three more nets under that one:
 * processes from spawnOwned die with the jest process that started them, even on SIGKILL (Linux
 * `setpriv --pdeathsig KILL`, from util-linux); test/helpers/global-setup.js points TMPDIR at a temp root of the
 * run that test/helpers/global-teardown.js removes; and the next run removes the roots of runs that were killed.
 */

import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLEANUPS = Symbol.for('checkout-price-guard.test.cleanups');

/**
 * Registers `cleanup` to run when the running test file ends (after its afterAll hooks, passed or failed);
 * returns a function that unregisters it (call it once the thing is released the normal way).
 */
export function atSuiteEnd(cleanup: () => unknown): () => void {
  const cleanups = (globalThis as { [CLEANUPS]?: Set<() => unknown> })[CLEANUPS];
  if (!cleanups) {
    throw new Error(
      'test/helpers/owned.ts: no suite environment; run the tests with jest.config.js (testEnvironment: test/helpers/environment.js)',
    );
  }
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** The first executable called `name` on PATH, or undefined. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(':').filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {}
  }
  return undefined;
}

/** util-linux's setpriv, when this is Linux and it is installed: it makes a child die with its parent. */
const SETPRIV =
  process.platform === 'linux' ? onPath('setpriv', `${process.env.PATH}:/usr/bin:/bin`) : undefined;

/** Whether a child is still running (has not exited and was not killed). */
export function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Whether process `pid` runs (a zombie, dead but not yet reaped by its parent, does not). */
export function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/PID/stat: "PID (COMMAND) STATE ..."; the command may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (!running(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGKILL (after SIGCONT, in case it was paused) and wait for the exit. */
export async function killNow(child: ChildProcess): Promise<void> {
  if (!running(child)) return;
  child.kill('SIGCONT');
  child.kill('SIGKILL');
  await exited(child);
}

/**
 * spawn(), with the child owned by the running test file: killed with SIGKILL if it still runs when the file
 * ends, and by the kernel if the jest process that started it dies. `command` is looked up on the PATH of
 * `options.env` (or this process's) as spawn() does; one that is missing exits 127 with setpriv's message on
 * stderr instead of emitting ENOENT, so callers that need a clear message check onPath() first.
 */
export function spawnOwned(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  const child = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], options)
    : spawn(command, [...args], options);
  const release = atSuiteEnd(() => killNow(child));
  child.once('exit', release);
  return child;
}

/** A new directory under the run's temp root (mkdtemp), removed when the running test file ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  atSuiteEnd(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
