// src/config/policy-file.ts
// Loads a policy from a JSON or YAML file: the file is read once; the policy schema does the rest.

import { type Policy, PolicyError, parsePolicy } from '../core/policy';
import { readDocument } from './document';

/** Reads a policy from a JSON or YAML file; throws a PolicyError that names the file and each bad field. */
export function loadPolicyFile(path: string): Policy {
  const document = readDocument(path);
  if (!document.ok) throw new PolicyError([document.problem], path);
  return parsePolicy(document.data, path);
}
