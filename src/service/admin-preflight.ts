// src/service/admin-preflight.ts
// POST /v1/admin/preflight: the lowest price of every SKU under a policy (the one in force, or one proposed), run
// in steps so that a catalog of 100,000 SKUs never stalls the checkout it shares a process with.

import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { catalogFromJson } from '../core/catalog';
import type { Policy } from '../core/policy';
import { PolicyError, parsePolicy } from '../core/policy';
import { timestamp } from '../core/policy/fields';
import {
  type PreflightOptions,
  type PreflightReport,
  parseWithin,
  preflightSteps,
  WITHIN_MESSAGE,
} from '../core/preflight';
import { type Problem, toProblems } from '../core/problems';
import { asyncRoute } from '../express/async-route';
import { CATALOG_BODY_LIMIT } from './admin-catalog';

/**
 * Lists the catalog uploaded at run time (a compact table the policy carries, not part of its `catalog`) in the
 * preflight's catalog, below the prices of a catalog given in the body.
 */
export function withUploaded(policy: Policy, options: PreflightOptions): void {
  const uploaded = policy.uploadedCatalog;
  if (uploaded === undefined || uploaded.prices === 0) return;
  const catalog = new Map(options.catalog ?? []);
  uploaded.forEach((sku, currency, listPrice) => {
    const entry = catalog.get(sku);
    if (entry === undefined) catalog.set(sku, { prices: { [currency]: listPrice } });
    else if (entry.prices[currency] === undefined) {
      catalog.set(sku, { ...entry, prices: { ...entry.prices, [currency]: listPrice } });
    }
  });
  options.catalog = catalog;
}

/** What the preflight route needs from the admin router. */
export interface PreflightDeps {
  /** The policy in force (file and runtime overlay). */
  policy(): Policy;
  /** A proposed policy as it would be in force: with the runtime overlay (floors, caps, catalog) over it. */
  withOverlay(policy: Policy): Policy;
  clock: () => number;
}

const bodySchema = z.strictObject({
  /** The instant to judge at; defaults to now. */
  at: timestamp.optional(),
  /** How far ahead window starts, campaign ends and price changes are judged too, as `preflight --within` takes it ("7d", "0"); defaults to 7 days. */
  within: z
    .string({ error: WITHIN_MESSAGE })
    .refine((text) => parseWithin(text) !== undefined, { error: WITHIN_MESSAGE })
    .optional(),
  /** A policy to check instead of the one in force, in the policy file's shape. */
  policy: z.unknown().optional(),
  /** List prices besides the policy's catalog, in a catalog file's JSON shape. */
  catalog: z.unknown().optional(),
});

/**
 * Runs a preflight a step at a time, giving the event loop back between steps (`between`, by default one turn of
 * it), so orders are judged while it runs; `stopped` ends it early (undefined then).
 */
export async function runInSteps(
  policy: Policy,
  options: PreflightOptions,
  between: () => Promise<void> = () => new Promise<void>((resolve) => setImmediate(resolve)),
  stopped: () => boolean = () => false,
): Promise<PreflightReport | undefined> {
  const steps = preflightSteps(policy, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await between();
    if (stopped()) return undefined;
  }
}

function refuse(res: Response, problems: Problem[]): void {
  res.status(400).json({
    error: 'invalid_preflight',
    message: `The preflight was not run: ${problems.map((one) => `${one.path || '(body)'}: ${one.message}`).join('; ')}`,
    problems,
  });
}

/**
 * Adds `POST /preflight`: a JSON body `{ at?, within?, policy?, catalog? }` (all optional) answers 200 with the preflight
 * report (`ok` false when a price breaks a floor or is near zero). One preflight runs at a time per process; a
 * second answers 429 until the first is done.
 */
export function preflightRoute(router: Router, deps: PreflightDeps): void {
  let running = false;
  router.post(
    '/preflight',
    express.json({ limit: CATALOG_BODY_LIMIT }),
    asyncRoute(async function runPreflight(req: Request, res: Response) {
      const parsed = bodySchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        refuse(res, toProblems(parsed.error.issues, { schema: bodySchema }));
        return;
      }
      const { at, within, policy: proposed, catalog: catalogInput } = parsed.data;
      let policy: Policy;
      try {
        policy = proposed === undefined ? deps.policy() : deps.withOverlay(parsePolicy(proposed));
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        refuse(
          res,
          error.problems.map((problem) => ({
            path: problem.path === '' ? 'policy' : `policy.${problem.path}`,
            message: problem.message,
          })),
        );
        return;
      }
      const options: PreflightOptions = {
        at: at ?? deps.clock(),
        ...(within !== undefined ? { within: parseWithin(within)! } : {}),
      };
      if (catalogInput !== undefined) {
        const catalog = catalogFromJson(catalogInput);
        if (!catalog.ok) {
          refuse(
            res,
            catalog.problems.slice(0, 100).map((problem) => ({
              path: problem.path === '' ? 'catalog' : `catalog.${problem.path}`,
              message: problem.message,
            })),
          );
          return;
        }
        options.catalog = catalog.catalog;
      }
      withUploaded(policy, options);
      if (running) {
        res.set('Retry-After', '5');
        res
          .status(429)
          .json({ error: 'preflight_running', message: 'A preflight is running; try again shortly.' });
        return;
      }
      running = true;
      try {
        res.json((await runInSteps(policy, options))!);
      } finally {
        running = false;
      }
    }),
  );
}
