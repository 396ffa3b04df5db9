// src/config/service-env.ts
// The environment the configuration merges: HOST, PORT and the review tokens (PRICE_GUARD_*), checked and hashed.

import type { Problem } from '../core/problems';
import { sha256 as hashSha256 } from '../core/sha256';
import { HOST_MESSAGE, isListenHost, type TokenConfig } from './service-schema';

/** The HOST variable, or undefined when it is not set. */
export function envHost(env: NodeJS.ProcessEnv, problems: Problem[]): string | undefined {
  if (env.HOST === undefined || env.HOST === '') return undefined;
  if (!isListenHost(env.HOST)) {
    problems.push({ path: 'env.HOST', message: `${HOST_MESSAGE}, got ${JSON.stringify(env.HOST)}` });
    return undefined;
  }
  return env.HOST;
}

/** Parses the PORT variable, or undefined when it is not set. */
export function envPort(env: NodeJS.ProcessEnv, problems: Problem[]): number | undefined {
  if (env.PORT === undefined || env.PORT === '') return undefined;
  const port = Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    problems.push({
      path: 'env.PORT',
      message: `must be a TCP port (0-65535), got ${JSON.stringify(env.PORT)}`,
    });
    return undefined;
  }
  return port;
}

/** `name:role:token,...` from PRICE_GUARD_REVIEW_TOKENS, hashed at once so the plain token is not kept. */
export function parseEnvTokens(value: string | undefined, problems: Problem[]): TokenConfig[] {
  if (!value) return [];
  const tokens: TokenConfig[] = [];
  value
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .forEach((entry, index) => {
      if (entry === '') return;
      const path = `env.PRICE_GUARD_REVIEW_TOKENS[${index}]`;
      // name and role end at the first two colons; the token is everything after them, colons included.
      const first = entry.indexOf(':');
      const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
      const name = first < 0 ? entry : entry.slice(0, first);
      const role = second < 0 ? '' : entry.slice(first + 1, second);
      const token = second < 0 ? '' : entry.slice(second + 1);
      if (
        !/^[A-Za-z0-9._@-]{1,64}$/.test(name) ||
        (role !== 'viewer' && role !== 'reviewer' && role !== 'admin')
      ) {
        problems.push({
          path,
          message: 'must be name:role:token (name: letters, digits, ._@-; role: viewer, reviewer or admin)',
        });
        return;
      }
      const weak = tokenProblem(token);
      if (weak !== undefined) {
        problems.push({ path, message: `the token of "${name}" ${weak}` });
        return;
      }
      tokens.push({ name, role, sha256: sha256Hex(token) });
    });
  return tokens;
}

/** Shortest token accepted from the environment: 32 characters (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_LENGTH = 32;

/** Why a token given in plain text is refused, or undefined. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) {
    return `must be at least ${MIN_TOKEN_LENGTH} characters (it has ${token.length}); make one with: openssl rand -hex 32`;
  }
  if (/\s/.test(token)) return 'must not contain white space';
  return undefined;
}

/** Hex SHA-256 of a string. */
export function sha256Hex(value: string): string {
  return hashSha256(value, 'hex');
}
