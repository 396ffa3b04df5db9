// src/review/auth.ts
// Bearer tokens of the review API: configured hashed, compared in constant time, with viewer < reviewer < admin.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { sha256 } from '../core/sha256';

/** What a token may do: `viewer` reads, `reviewer` also decides, `admin` also clears incidents. */
export type ReviewRole = 'viewer' | 'reviewer' | 'admin';

/** Roles from least to most privileged; a role includes every role before it. */
export const REVIEW_ROLES: readonly ReviewRole[] = ['viewer', 'reviewer', 'admin'];

/** One configured token. Only its SHA-256 is configured, so a leaked config does not leak the token. */
export interface ReviewToken {
  /** Who holds the token; recorded in the audit trail as the actor. Letters, digits, `._@-`, at most 64. */
  name: string;
  role: ReviewRole;
  /** Lower-case hex SHA-256 of the token (`hashToken(token)`, or `printf %s "$TOKEN" | sha256sum`). */
  sha256: string;
}

/** The reviewer a request was authenticated as, on `res.locals.reviewer`. */
export interface Reviewer {
  name: string;
  role: ReviewRole;
}

/** The hex SHA-256 of a token, as `ReviewToken.sha256` expects it. */
export function hashToken(token: string): string {
  return sha256(token, 'hex');
}

/** Tokens ready for constant-time lookups. */
export class TokenRegistry {
  private readonly entries: Array<{ reviewer: Reviewer; hash: Buffer }>;

  /** Takes tokens already checked (the review router's options, the service configuration: one schema). */
  constructor(tokens: readonly ReviewToken[]) {
    this.entries = tokens.map(({ name, role, sha256 }) => ({
      reviewer: { name, role },
      hash: Buffer.from(sha256, 'hex'),
    }));
  }

  /** The reviewer for an `Authorization: Bearer <token>` header, or undefined. Compares against every token. */
  identify(authorization: string | undefined): Reviewer | undefined {
    const match = /^Bearer[ ]+([^\s]{1,512})\s*$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const presented = createHash('sha256').update(match[1]!, 'utf8').digest();
    let found: Reviewer | undefined;
    for (const entry of this.entries) {
      // No early exit: the time taken does not depend on which token matched.
      if (timingSafeEqual(presented, entry.hash) && found === undefined) found = entry.reviewer;
    }
    return found;
  }
}

/** True when `role` includes `needed`. */
export function hasRole(role: ReviewRole, needed: ReviewRole): boolean {
  return REVIEW_ROLES.indexOf(role) >= REVIEW_ROLES.indexOf(needed);
}

/** Sets `res.locals.reviewer` when the bearer token is known; never rejects (the rate limiter runs next). */
export function identify(registry: TokenRegistry) {
  return function identifyReviewer(req: Request, res: Response, next: NextFunction) {
    res.locals.reviewer = registry.identify(req.get('authorization'));
    next();
  };
}

/** Rejects with 401 (no or unknown token) or 403 (too weak a role) before anything changes. */
export function requireRole(needed: ReviewRole) {
  return function requireReviewRole(req: Request, res: Response, next: NextFunction) {
    const reviewer = res.locals.reviewer as Reviewer | undefined;
    if (reviewer === undefined) {
      const presented = req.get('authorization') !== undefined;
      res.set('WWW-Authenticate', `Bearer realm="review"${presented ? ', error="invalid_token"' : ''}`);
      res.status(401).json({
        error: 'unauthorized',
        message: presented ? 'The bearer token is not known.' : 'Send Authorization: Bearer <token>.',
      });
      return;
    }
    if (!hasRole(reviewer.role, needed)) {
      res.status(403).json({
        error: 'forbidden',
        message: `This needs the ${needed} role; the token "${reviewer.name}" is a ${reviewer.role}.`,
      });
      return;
    }
    next();
  };
}
