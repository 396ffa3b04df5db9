// test/helpers/service-process.ts
// Starts the real service process (`node cli.js serve`) from a fresh transpile of src/, and talks to it over HTTP.

import type { ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { basename, dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { atSuiteEnd, spawnOwned } from './owned';

const ROOT = join(__dirname, '..', '..');

/**
 * Transpiles `dirs` of the repository (no type check: `npx tsc --noEmit` does that) into a directory under
 * node_modules/.cache, keeping their paths, so tests never race other builds of dist/ and need no 20 s tsc run.
 * Lua scripts and the review page travel beside the code, as scripts/copy-assets.js puts them in dist/.
 * Built once per jest run (the sources do not change during one) and shared by its suites, beside the run's
 * temp root: test/helpers/global-teardown.js removes it when the run ends.
 */
function transpile(dirs: readonly string[]): string {
  const flavour = `${dirs.join('+')}-express${process.env.CPG_EXPRESS === '4' ? '4' : '5'}`;
  const cache = join(ROOT, 'node_modules', '.cache');
  const runRoot = process.env.CPG_TEST_ROOT;
  const home = runRoot ? join(cache, basename(runRoot)) : cache;
  const shared = join(home, flavour);
  // Renamed into place when complete, so a directory that exists is a finished build.
  if (runRoot && existsSync(shared)) return shared;
  mkdirSync(home, { recursive: true });
  const out = mkdtempSync(join(home, `${flavour}-`));
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  for (const file of dirs.flatMap((dir) => walk(join(ROOT, dir)))) {
    const target = join(out, relative(ROOT, file));
    mkdirSync(dirname(target), { recursive: true });
    if (!file.endsWith('.ts')) {
      copyFileSync(file, target);
      continue;
    }
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    // CPG_EXPRESS=4 (npm run test:express4): the process runs on Express 4, as jest's moduleNameMapper does in-process.
    writeFileSync(
      target.replace(/\.ts$/, '.js'),
      process.env.CPG_EXPRESS === '4'
        ? outputText.replaceAll('require("express")', 'require("express4")')
        : outputText,
    );
  }
  if (!runRoot) {
    // Outside a jest run with its global setup: a build of this test file's own, removed when the file ends.
    atSuiteEnd(() => rmSync(out, { recursive: true, force: true }));
    return out;
  }
  try {
    renameSync(out, shared);
  } catch {
    // Another jest worker finished the same build first: use that one.
    rmSync(out, { recursive: true, force: true });
  }
  return shared;
}

/** Transpiles src/ (see transpile); returns its cli.js. */
export function buildService(): string {
  // The service's files at the top of the directory, as in dist/: cli.js beside index.js and the layers.
  return join(transpile(['src']), 'src', 'cli.js');
}

/**
 * Transpiles src/ and the development tools (tools/) together, as `npm run build:tools` builds them; returns the
 * directory, which holds src/ and tools/.
 */
export function buildTools(): string {
  return transpile(['src', 'tools']);
}

/** One log line of the service (pino JSON). */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A running service process. */
export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  logs: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line (already seen or future) matching `test`. */
  waitForLog(test: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/**
 * Starts `node cli serve` with `args` and `env` (PORT=0 unless given) and waits until it listens and is ready to
 * judge orders (`ready: false`: only until it listens).
 */
export async function startService(
  cli: string,
  options: { args?: string[]; env?: NodeJS.ProcessEnv; ready?: boolean } = {},
): Promise<ServiceProcess> {
  const child = spawnOwned(process.execPath, [cli, 'serve', ...(options.args ?? [])], {
    // One process unless a test asks for workers (with REDIS_URL the default is one per CPU).
    env: { PATH: process.env.PATH, PORT: '0', WORKERS: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters: Array<{ test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  let buffer = '';
  let errors = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        throw new Error(`the service wrote a line that is not JSON: ${text}`);
      }
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForLog = (test: (line: LogLine) => boolean, timeoutMs = 10_000) => {
    const seen = logs.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${errors}`)),
        timeoutMs,
      );
      waiters.push({
        test,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the service exited; stderr: ${errors}`));
      });
    });
  };
  const listening = await waitForLog((line) => typeof line.port === 'number' && /listening/.test(line.msg));
  const port = listening.port as number;
  // It judges orders once its runtime floors and caps are loaded (a moment after it listens, on Redis).
  if (options.ready !== false) await waitForLog((line) => /ready to judge orders/.test(line.msg));
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    stderr: () => errors,
    waitForLog,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs `node cli serve` expecting it to fail at start-up; resolves with the exit code and stderr. */
export function runFailing(
  cli: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawnOwned(process.execPath, [cli, 'serve', ...args], {
      env: { PATH: process.env.PATH, PORT: '0', WORKERS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    // A config that does not fail would listen forever; stop it so the test fails on the exit code.
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

/** A complete HTTP response. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  body: any;
}

/** One request on its own connection (no keep-alive), so a failure means the connection never got an answer. */
export function http(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<HttpResponse> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        agent: false,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('error', reject);
        res.on('end', () => {
          if (!res.complete) {
            reject(new Error('the response was cut off'));
            return;
          }
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
