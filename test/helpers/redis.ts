// test/helpers/redis.ts
// Private redis-server instances and a 3-master Redis Cluster on free local ports, for integration tests.

/*
 * API (the only way a test reaches a Redis: one it started; never a shared one, such as this machine's default):
 *
 *   const redis = await startRedis();            // a private redis-server on a free port, health-checked (PING)
 *   redis.url                                     // 'redis://127.0.0.1:PORT'
 *   redis.port, redis.host, redis.dir             // its port and data directory (deleted by stop())
 *   await redis.kill();                           // SIGKILL, like a crashed server (data since the last fsync is lost)
 *   await redis.restart();                        // starts it again on the same port and directory, health-checked
 *   redis.pause(); redis.resume();                // SIGSTOP / SIGCONT: a server that hangs (connections stay open)
 *   await redis.stop();                           // SIGTERM, waits for exit, removes the directory; idempotent
 *
 *   startRedis({ durable: true })                 // appendonly + appendfsync always: acknowledged writes survive kill()
 *   startRedis({ args: ['--maxmemory', '10mb'] }) // extra redis-server arguments
 *
 *   const cluster = await startCluster();         // 3 masters, no replicas, formed with redis-cli --cluster create
 *   cluster.url                                   // 'redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3'
 *   cluster.nodes                                 // the three RedisInstance objects
 *   await cluster.stop();
 *
 *   await stopAll();                              // stops everything this test file started (in afterAll)
 *
 * One server per suite (or per describe block), started in beforeAll: it starts in about 0.1 s, and a suite
 * may then FLUSHALL, kill, pause or fill it without a key prefix and without reaching another suite's data.
 * Needs `redis-server` and `redis-cli` on PATH (Debian: apt-get install redis-server redis-tools).
 * Whatever a file leaves running is stopped when it ends, passed or failed (test/helpers/owned.ts).
 */

import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { atSuiteEnd, exited, killNow, onPath, spawnOwned } from './owned';

const execFileAsync = promisify(execFile);

/** Options of startRedis. */
export interface StartRedisOptions {
  /** Port to listen on. Defaults to a free port (with its cluster bus port +10000 free too). */
  port?: number;
  /** Enable the AOF with fsync on every write, so writes acknowledged before a kill() survive it. Defaults to false. */
  durable?: boolean;
  /** Start as a cluster node (cluster-enabled yes). Defaults to false. */
  cluster?: boolean;
  /** Extra redis-server arguments. Defaults to none. */
  args?: string[];
}

/** One private redis-server. */
export interface RedisInstance {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** The running process, undefined while killed or stopped. */
  readonly process: ChildProcess | undefined;
  kill(): Promise<void>;
  restart(): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** A local Redis Cluster. */
export interface RedisClusterInstance {
  readonly nodes: RedisInstance[];
  readonly url: string;
  stop(): Promise<void>;
}

const started = new Set<RedisInstance>();

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (+10000) is free too. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) return port;
  }
  throw new Error('no free port found for redis-server');
}

/** Runs redis-cli against a port and returns its output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 10_000,
  });
  return stdout.trim();
}

/** The last lines of a server's log, for error messages. */
function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '(no redis.log)';
  }
}

async function waitForPing(port: number, child: ChildProcess, dir: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `redis-server on port ${port} exited with ${child.exitCode ?? child.signalCode}:\n${logTail(dir)}`,
      );
    }
    try {
      last = await redisCli(port, 'PING');
      if (last === 'PONG') return;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `redis-server on port ${port} did not answer PING within ${ms} ms (${last}):\n${logTail(dir)}`,
  );
}

/** Starts a private redis-server on a free port and waits until it answers PING. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisInstance> {
  for (const binary of ['redis-server', 'redis-cli']) {
    if (!onPath(binary)) {
      throw new Error(
        `${binary} is not on the PATH: the Redis suites start their own servers (Debian: apt-get install redis-server redis-tools)`,
      );
    }
  }
  // A free port can be taken by another process before the server binds it: then another one, unless asked for.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(options.port ?? (await freePort()), options);
    } catch (error) {
      if (options.port !== undefined || attempt === 3 || !/Address already in use/.test(String(error)))
        throw error;
    }
  }
}

async function startOn(port: number, options: StartRedisOptions): Promise<RedisInstance> {
  const dir = mkdtempSync(join(tmpdir(), `cpg-redis-${port}-`));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
    '--enable-debug-command',
    'local',
    ...(options.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.cluster
      ? ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')]
      : []),
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawnOwned('redis-server', args, { stdio: 'ignore' });
    await waitForPing(port, child, dir);
  };
  try {
    await launch();
  } catch (error) {
    if (child) await killNow(child);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const instance: RedisInstance = {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get process() {
      return child;
    },
    async kill() {
      const current = child;
      child = undefined;
      if (current) await killNow(current);
    },
    async restart() {
      if (child) await instance.kill();
      await launch();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      const current = child;
      child = undefined;
      started.delete(instance);
      release();
      if (current) {
        current.kill('SIGCONT');
        current.kill('SIGTERM');
        const timer = setTimeout(() => current.kill('SIGKILL'), 5_000);
        await exited(current);
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  started.add(instance);
  const release = atSuiteEnd(() => instance.stop());
  return instance;
}

/** Starts three cluster-enabled servers and joins them as three masters with redis-cli --cluster create. */
export async function startCluster(options: { masters?: number } = {}): Promise<RedisClusterInstance> {
  const count = options.masters ?? 3;
  const nodes: RedisInstance[] = [];
  for (let index = 0; index < count; index++) nodes.push(await startRedis({ cluster: true }));
  const hosts = nodes.map((node) => `127.0.0.1:${node.port}`);
  await execFileAsync(
    'redis-cli',
    ['--cluster', 'create', ...hosts, '--cluster-replicas', '0', '--cluster-yes'],
    {
      timeout: 30_000,
    },
  );
  // The cluster is usable once every node reports cluster_state:ok and knows all slots.
  const deadline = Date.now() + 15_000;
  for (const node of nodes) {
    for (;;) {
      const info = await redisCli(node.port, 'CLUSTER', 'INFO');
      if (info.includes('cluster_state:ok') && info.includes('cluster_slots_assigned:16384')) break;
      if (Date.now() > deadline) throw new Error(`cluster node ${node.port} not ready: ${info}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    nodes,
    url: `redis+cluster://${hosts.join(',')}`,
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

/** Stops every instance this test file started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((instance) => instance.stop()));
}
