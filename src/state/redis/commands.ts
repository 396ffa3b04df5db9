// src/state/redis/commands.ts
// The Lua scripts in ./lua, registered on an ioredis client with defineCommand (EVALSHA, with an EVAL fallback).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

/**
 * Each script is its own file, `<name>-<number of keys>.lua`, with a header listing KEYS, ARGV and the output.
 * Most scripts take KEYS[1] = the base key of one hash tag (`{cpg:v:CODE}`, `{cpg:h:SKU}`, `{cpg:q}`) and derive
 * the other keys they touch by appending suffixes, so all of them live in one cluster slot. A script named
 * `-n` takes a batch of keys of one hash tag: its function is called with the key count first.
 */
const SCRIPT_FILES = {
  voucherTouch: 'voucher-touch-1.lua',
  voucherRelease: 'voucher-release-1.lua',
  voucherClear: 'voucher-clear-1.lua',
  voucherExtend: 'voucher-extend-1.lua',
  voucherAdmit: 'voucher-admit-1.lua',
  voucherTrip: 'voucher-trip-1.lua',
  historyPush: 'history-push-1.lua',
  historyReset: 'history-reset-1.lua',
  historyAccept: 'history-accept-1.lua',
  historyRead: 'history-read-1.lua',
  holdCreate: 'hold-create-1.lua',
  holdTransition: 'hold-transition-1.lua',
  holdSweep: 'hold-sweep-1.lua',
  orderBind: 'order-bind-n.lua',
  orderSettle: 'order-settle-n.lua',
  holdPage: 'hold-page-1.lua',
  outboxClaim: 'outbox-claim-1.lua',
  outboxSettle: 'outbox-settle-1.lua',
  outboxPublish: 'outbox-publish-1.lua',
  tripForget: 'trip-forget-1.lua',
  rateHit: 'rate-hit-1.lua',
  rateUnhit: 'rate-unhit-1.lua',
  catalogSwitch: 'catalog-switch-1.lua',
  catalogRemove: 'catalog-remove-1.lua',
} as const;

/** The name of one script. */
export type ScriptName = keyof typeof SCRIPT_FILES;

/** The scripts as functions of (base key, ...arguments). */
export type Commands = {
  [name in ScriptName]: (key: string | number, ...args: Array<string | number>) => Promise<unknown>;
};

interface Definition {
  lua: string;
  /** Absent for a `-n` script: the caller passes the key count first. */
  numberOfKeys?: number;
}

/** Drops comments and indentation, so reformatting a file does not change the script's SHA. */
export function normaliseLua(source: string): string {
  return source
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('--'))
    .join('\n');
}

let sources: Record<ScriptName, Definition> | undefined;

/** Every script's normalised source and key count, read once per process. */
export function scriptSources(): Record<ScriptName, Definition> {
  if (sources === undefined) {
    const loaded = {} as Record<ScriptName, Definition>;
    for (const [name, file] of Object.entries(SCRIPT_FILES) as Array<[ScriptName, string]>) {
      const count = /-(\d+|n)\.lua$/.exec(file)![1]!;
      const lua = normaliseLua(readFileSync(join(__dirname, 'lua', file), 'utf8'));
      loaded[name] = count === 'n' ? { lua } : { lua, numberOfKeys: Number(count) };
    }
    sources = loaded;
  }
  return sources;
}

/**
 * Registers every script on `client` (once per client) and returns them typed. ioredis sends EVALSHA and falls
 * back to EVAL on NOSCRIPT; the SHA is of the script's text, so a changed script never meets an old one.
 */
export function registerCommands(client: Redis | Cluster): Commands {
  const commands = {} as Commands;
  const target = client as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>;
  for (const [name, definition] of Object.entries(scriptSources()) as Array<[ScriptName, Definition]>) {
    const command = `cpg${name[0]!.toUpperCase()}${name.slice(1)}`;
    if (typeof target[command] !== 'function') client.defineCommand(command, definition);
    commands[name] = (...args) => target[command]!(...args);
  }
  return commands;
}
