#!/usr/bin/env node
// src/cli.ts
// The command line: serve (the default), validate-config, preflight, replay; one parser, one help, --version.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CommandSpec,
  commandHelp,
  EX_USAGE,
  HELP_OPTION,
  optionLines,
  packagePath,
  packageRoot,
  parseCommandLine,
  synopsis,
  UsageError,
  withDocPaths,
  wrap,
} from './cli/options';
import { PREFLIGHT_COMMAND, runPreflightCli } from './cli/preflight';
import { REPLAY_COMMAND, runReplayCli } from './cli/replay';
import {
  ConfigError,
  EX_CONFIG,
  isListenHost,
  loadConfig,
  MAX_WORKERS,
  parseWorkers,
} from './config/service';
import { formatTermChange } from './core/policy-diff';
import { closest } from './core/suggest';
import { judgeReload, refusalReason } from './service/reload';
import { serve } from './service/server';

const PROGRAM = 'checkout-price-guard';

const SERVE_COMMAND: CommandSpec = {
  name: 'serve',
  summary:
    'Run the HTTP service: POST /v1/evaluate, the demo POST /checkout, /review, /metrics, /healthz (docs/service.md). ' +
    'Without REDIS_URL it runs on the embedded in-memory store.',
  positionals: [],
  options: {
    config: {
      type: 'string',
      value: 'FILE',
      description:
        'configuration file, or a bare policy file, JSON or YAML (default: PRICE_GUARD_CONFIG, else built-in defaults)',
    },
    host: {
      type: 'string',
      value: 'HOST',
      description:
        'address to listen on (default: HOST, service.host, else 127.0.0.1; 0.0.0.0 for every interface)',
    },
    port: {
      type: 'string',
      value: 'PORT',
      description: 'port to listen on, 0 for any free one (default: PORT, service.port, else 3000)',
    },
    workers: {
      type: 'string',
      value: 'N',
      description:
        'processes serving the port on the shared Redis state, or "auto" for one per CPU (default: WORKERS, ' +
        'service.workers, else auto with REDIS_URL and 1 without)',
    },
  },
};

const VALIDATE_COMMAND: CommandSpec = {
  name: 'validate-config',
  summary:
    'Check a service configuration file (its service, review and metrics sections and its policy), or a bare policy ' +
    'file, the way serve loads it, with this environment: exit 0 when valid, 78 with every problem listed. For CI ' +
    'pipelines.',
  positionals: [{ name: 'FILE', required: true }],
  options: {
    'ignore-env': {
      type: 'boolean',
      description: 'check the file alone: read no variable, so an unset webhook secret is no problem',
    },
    against: {
      type: 'string',
      value: 'RUNNING',
      description:
        'also list the policy terms FILE adds, changes and removes against the configuration RUNNING (the file in ' +
        'force), and exit 1 when a reload would refuse it (most terms removed, or the policy emptied, unconfirmed)',
    },
  },
};

const HELP_COMMAND: CommandSpec = {
  name: 'help',
  summary: 'Show this help, or the help of one command.',
  positionals: [{ name: 'COMMAND', required: false }],
  options: {},
};

/** Every command, in the order the help lists them. */
const COMMANDS: readonly CommandSpec[] = [
  SERVE_COMMAND,
  VALIDATE_COMMAND,
  PREFLIGHT_COMMAND,
  REPLAY_COMMAND,
  HELP_COMMAND,
];

/** The options the program takes before any command. */
const GLOBAL_OPTIONS = {
  ...HELP_OPTION,
  version: { type: 'boolean' as const, short: 'v', description: 'print the version' },
};

/** This package's version, from the package.json above this file (dist/, src/ or a test build alike). */
export function packageVersion(): string {
  const root = packageRoot(PROGRAM);
  if (root === undefined) return 'unknown';
  return (
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ??
    'unknown'
  );
}

/** The program's help: every command with its arguments and options, the global options and the exit codes. */
export function programHelp(): string {
  const lines = [
    `${PROGRAM} ${packageVersion()}: holds suspicious checkout orders (pricing glitches, leaked vouchers) for review.`,
    '',
    `usage: ${PROGRAM} [COMMAND] [OPTIONS]       (the command defaults to serve)`,
    '',
    'commands:',
  ];
  for (const command of COMMANDS) {
    const words = [command.name, ...command.positionals.map((p) => (p.required ? p.name : `[${p.name}]`))];
    lines.push(`  ${words.join(' ')}`, ...wrap(command.summary, '      '));
    lines.push(...optionLines(command.options, '      '));
  }
  lines.push(
    '',
    'options of every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'exit codes: 0 done, 1 failed, 2 bad usage, 78 invalid configuration',
    `${PROGRAM} COMMAND --help shows one command.`,
    `documentation (shipped in the package): ${packagePath('README.md')} and ${packagePath('docs')}/*.md`,
    '',
  );
  return withDocPaths(lines.join('\n'));
}

/** Prints a usage error with the usage of the command it concerns; returns the exit code. */
function usageError(error: UsageError): number {
  const where = error.command ? `${error.command.name}: ` : '';
  const usage = error.command ? `usage: ${synopsis(PROGRAM, error.command)}` : `run ${PROGRAM} --help`;
  process.stderr.write(`${PROGRAM}: ${where}${error.message}\n${usage}\n`);
  return EX_USAGE;
}

/** `serve`: parses its options, then runs until a signal (the process exits from there). */
async function runServe(argv: readonly string[]): Promise<number | undefined> {
  const { values } = parseCommandLine(SERVE_COMMAND, argv);
  if (values.help) {
    process.stdout.write(commandHelp(PROGRAM, SERVE_COMMAND));
    return 0;
  }
  const host = values.host as string | undefined;
  if (host !== undefined && !isListenHost(host)) {
    throw new UsageError(`--host must be an IP address or a host name, got "${host}"`, SERVE_COMMAND);
  }
  const portText = values.port as string | undefined;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(/^\d+$/.test(portText!) && port <= 65_535)) {
    throw new UsageError(`--port must be a TCP port number (0-65535), got "${portText}"`, SERVE_COMMAND);
  }
  const workersText = values.workers as string | undefined;
  const workers = workersText === undefined ? undefined : parseWorkers(workersText);
  if (workersText !== undefined && workers === undefined) {
    throw new UsageError(
      `--workers must be a number of processes from 1 to ${MAX_WORKERS}, or "auto", got "${workersText}"`,
      SERVE_COMMAND,
    );
  }
  await serve({
    ...(values.config !== undefined ? { configPath: values.config as string } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(workers !== undefined ? { workers } : {}),
  });
  return undefined;
}

/**
 * `validate-config FILE [--against RUNNING]`: 0 and a summary when the file is valid, 78 and every problem when it
 * is not; with `--against`, the terms it changes against RUNNING, and 1 when a reload would refuse it.
 */
function runValidate(argv: readonly string[]): number {
  const { values, positionals } = parseCommandLine(VALIDATE_COMMAND, argv);
  if (values.help) {
    process.stdout.write(commandHelp(PROGRAM, VALIDATE_COMMAND));
    return 0;
  }
  const file = positionals[0]!;
  try {
    const config = loadConfig(file, process.env, { environment: values['ignore-env'] !== true });
    const { policy } = config;
    process.stdout.write(
      `${file}: valid (${config.barePolicy ? 'a bare policy, read as the policy section; ' : ''}` +
        `policy mode ${config.service.mode ?? policy.mode}; ${Object.keys(policy.floors).length} floors, ` +
        `${policy.campaigns.length} campaigns, ${Object.keys(policy.vouchers).length} vouchers; ` +
        `${config.review.tokens.length} review tokens, ${config.review.webhooks.length} webhooks)\n`,
    );
    const against = values.against;
    if (typeof against !== 'string') return 0;
    const running = loadConfig(against, process.env, { environment: values['ignore-env'] !== true });
    const { diff, refused } = judgeReload(running, config);
    const counted = `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`;
    process.stdout.write(`against ${against}: ${counted}\n`);
    for (const change of [...diff.removed, ...diff.changed, ...diff.added])
      process.stdout.write(`  ${formatTermChange(change)}\n`);
    if (refused === undefined) return 0;
    const { reason, confirm } = refusalReason(refused, diff, { running, next: config });
    const how =
      confirm === undefined
        ? 'Restart the service with it instead.'
        : `If that is meant, add "${confirm}: true" to ${file}.`;
    process.stderr.write(
      `${PROGRAM}: a reload of ${file} over ${against} would be refused: ${reason}. ${how}\n`,
    );
    return 1;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${PROGRAM}: ${error.message}\n`);
    return EX_CONFIG;
  }
}

/** Runs the command line (without `node` and the script); resolves with the exit code, or undefined while serving. */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const [first, ...rest] = argv;
  try {
    if (first === '--version' || first === '-v') {
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    if (first === '--help' || first === '-h') {
      process.stdout.write(programHelp());
      return 0;
    }
    // No command, or options first: serve (`checkout-price-guard --config x.yaml`).
    if (first === undefined || first.startsWith('-')) return await runServe(argv);
    switch (first) {
      case 'serve':
        return await runServe(rest);
      case 'validate-config':
        return runValidate(rest);
      case 'preflight':
        return runPreflightCli(rest);
      case 'replay':
        return await runReplayCli(rest);
      case 'help': {
        const { positionals } = parseCommandLine(HELP_COMMAND, rest);
        const topic = positionals[0];
        if (topic === undefined) {
          process.stdout.write(programHelp());
          return 0;
        }
        const command = COMMANDS.find((candidate) => candidate.name === topic);
        if (!command) throw unknownCommand(topic);
        process.stdout.write(commandHelp(PROGRAM, command));
        return 0;
      }
      default:
        throw unknownCommand(first);
    }
  } catch (error) {
    if (error instanceof UsageError) return usageError(error);
    throw error;
  }
}

function unknownCommand(name: string): UsageError {
  const guess = closest(
    name,
    COMMANDS.map((command) => command.name),
  );
  return new UsageError(
    `unknown command "${name}"${guess ? `; did you mean "${guess}"?` : ''} (commands: ${COMMANDS.map((c) => c.name).join(', ')})`,
    undefined,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`${PROGRAM}: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}
