// src/service/admin-values.ts
// Values of admin API requests: a value the policy rules refuse is a 400 naming its problems, anything else throws.

import type { Response } from 'express';
import { PolicyError } from '../core/policy';

/**
 * The value `validate` returns, or undefined once a 400 `invalid_value` with the problems has been sent because it
 * threw a PolicyError. Any other error is rethrown (a 500 through the error handler).
 */
export function validOr400<T>(res: Response, validate: () => T): T | undefined {
  try {
    return validate();
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    res.status(400).json({ error: 'invalid_value', message: error.message, problems: error.problems });
    return undefined;
  }
}
