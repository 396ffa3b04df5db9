// test/helpers/review.ts
// Review tokens for the router suites: a viewer, a reviewer and an admin, each a distinct 32+ character token.

import { hashToken, type ReviewToken } from '../../src/review/auth';

/** The three roles' tokens (tagged per suite), their configuration and the Authorization header of each. */
export function reviewTokens(tag: string) {
  const tokens = {
    viewer: `tok-viewer-${tag}-0123456789abcdef`,
    reviewer: `tok-reviewer-${tag}-0123456789abcdef`,
    admin: `tok-admin-${tag}-0123456789abcdef`,
  };
  const config: ReviewToken[] = [
    { name: 'vera', role: 'viewer', sha256: hashToken(tokens.viewer) },
    { name: 'rudi', role: 'reviewer', sha256: hashToken(tokens.reviewer) },
    { name: 'ana', role: 'admin', sha256: hashToken(tokens.admin) },
  ];
  const auth = (role: keyof typeof tokens) => ({ Authorization: `Bearer ${tokens[role]}` });
  return { tokens, config, auth };
}
