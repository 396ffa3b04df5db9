#!/usr/bin/env node
// src/cli.ts
// The command line: `serve` (the default) runs the HTTP service; `replay` replays incident scenarios.

import { serve } from './http/server';

const USAGE = `usage:
  checkout-price-guard [serve] [--config <file>]   run the service on PORT (default 3000)
  checkout-price-guard replay [options]           replay incident scenarios (see docs)`;

/** Reads `--config <path>` or `--config=<path>` from the arguments. */
function configArgument(args: string[]): string | undefined | Error {
  let config: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === '--config') {
      const value = args[index + 1];
      if (!value || value.startsWith('--')) return new Error('--config needs a file path');
      config = value;
      index += 1;
    } else if (arg.startsWith('--config=') && arg.length > '--config='.length) {
      config = arg.slice('--config='.length);
    } else {
      return new Error(`unknown option "${arg}"`);
    }
  }
  return config;
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const command = first === undefined || first.startsWith('--') ? 'serve' : first;
  const args = command === first ? rest : argv;
  switch (command) {
    case 'serve': {
      const config = configArgument(args);
      if (config instanceof Error) {
        process.stderr.write(`checkout-price-guard: ${config.message}\n${USAGE}\n`);
        process.exit(2);
      }
      await serve(config === undefined ? {} : { configPath: config });
      return;
    }
    case 'replay': {
      // Loaded on demand so `serve` does not load the replay code.
      const { runReplayCli } = await import('./tools/replay-cli.js');
      process.exitCode = await runReplayCli(args);
      return;
    }
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(`checkout-price-guard: unknown command "${command}"\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`checkout-price-guard: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
