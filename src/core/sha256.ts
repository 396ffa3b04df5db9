// src/core/sha256.ts
// SHA-256 of a string, as hex or base64url: the one hashing helper for order digests, event ids and tokens.

import * as crypto from 'node:crypto';

/**
 * SHA-256 of `text` (UTF-8). Uses the one-shot `crypto.hash` where Node has it (20.12+), which costs less than half
 * of `createHash` for the short strings hashed on every order and every hold.
 */
export const sha256: (text: string, encoding: 'hex' | 'base64url') => string =
  typeof crypto.hash === 'function'
    ? (text, encoding) => crypto.hash('sha256', text, encoding)
    : (text, encoding) => crypto.createHash('sha256').update(text, 'utf8').digest(encoding);
