// test/infra/cleanup.test.ts
// The test setup itself: a failed suite leaves nothing running, a killed run's servers die, rejections fail runs.

/*
 * Runs jest on the fixtures in test/infra/fixtures/ (not picked up by `npm test`: they are *.fixture.ts), with
 * this repository's jest.config.js, and looks at what the nested run left behind.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidRunning as alive, spawnOwned, tempDir } from '../helpers/owned';
import { type RunResult, run } from '../helpers/run';

const ROOT = join(__dirname, '..', '..');
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

/**
 * jest's arguments for some fixtures: one process, the fixtures folder only, run in the order of their names, a
 * cache that outlives the run.
 */
function jestArgs(fixtures: string[]): string[] {
  return [
    JEST,
    '--config',
    join(ROOT, 'jest.config.js'),
    '--runInBand',
    '--ci',
    '--testSequencer',
    join(__dirname, 'fixtures', 'sequencer.js'),
    '--cacheDirectory',
    join(ROOT, 'node_modules', '.cache', 'jest-fixtures'),
    '--roots',
    '<rootDir>/test/infra/fixtures',
    '--testMatch',
    ...fixtures.map((name) => `**/${name}.fixture.ts`),
  ];
}

function nestedJest(fixtures: string[], out: string): Promise<RunResult> {
  return run(process.execPath, jestArgs(fixtures), {
    cwd: ROOT,
    env: { ...process.env, CPG_FIXTURE_OUT: out },
  });
}

/** Polls `condition` (every 50 ms, up to a generous 30 s). */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within 30 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let work: string;
beforeAll(() => {
  work = tempDir('cpg-infra-');
});

test('a suite whose beforeAll fails halfway leaves no server, process or directory behind; the run fails', async () => {
  const out = join(work, 'failed-halfway.json');
  const result = await nestedJest(['1-failed-halfway', '2-after-failed'], out);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('beforeAll failed halfway');
  expect(result.stderr).toMatch(/FAIL test\/infra\/fixtures\/1-failed-halfway\.fixture\.ts/);
  // The next file of the same jest process found them gone: the failed file's environment released them at its
  // end, not the end of the run (nor the kernel, when jest exits).
  expect(result.stderr).toMatch(/PASS test\/infra\/fixtures\/2-after-failed\.fixture\.ts/);
  const left = JSON.parse(readFileSync(out, 'utf8')) as { pids: number[]; dirs: string[] };
  expect(left.pids.filter(alive)).toEqual([]);
  expect(left.dirs.filter((dir) => existsSync(dir))).toEqual([]);
}, 120_000);

test('an unhandled rejection fails the test it happens in, and one after the last test fails the run', async () => {
  const during = await nestedJest(['rejection'], join(work, 'rejection.json'));
  expect(during.code).toBe(1);
  expect(during.stderr).toContain('rejected while a test runs');
  expect(during.stderr).toMatch(/✕ rejects a promise nobody awaits/);

  const after = await nestedJest(['late-rejection'], join(work, 'late-rejection.json'));
  expect(after.stderr).toContain('rejected after the last test');
  expect(after.code).not.toBe(0);
}, 120_000);

test('a run killed outright takes its servers with it, and the next run removes its temp root', async () => {
  const out = join(work, 'killed.json');
  const jest = spawnOwned(process.execPath, jestArgs(['killed']), {
    cwd: ROOT,
    env: { ...process.env, CPG_FIXTURE_OUT: out },
    stdio: 'ignore',
  });
  await until(() => existsSync(out), 'the killed fixture to start its redis-server');
  const { pids, root } = JSON.parse(readFileSync(out, 'utf8')) as { pids: number[]; root: string };
  expect(pids.filter(alive)).toEqual(pids);
  jest.kill('SIGKILL');
  // No teardown ran: the kernel ends the server when its parent dies (setpriv --pdeathsig).
  await until(() => !pids.some(alive), `redis-server ${pids.join(', ')} to die with the killed jest process`);
  expect(existsSync(root)).toBe(true);
  // The next run (any run) removes the root of the killed one.
  await nestedJest(['late-rejection'], join(work, 'next.json'));
  expect(existsSync(root)).toBe(false);
}, 120_000);
