// test/review/options.test.ts
// reviewRouter options are checked at construction; the page's security headers; the API rate limit.

import { Script } from 'node:vm';
import express from 'express';
import request from 'supertest';
import { hashToken, TokenRegistry } from '../../src/review/auth';
import { rateLimitBudget } from '../../src/review/options';
import { type ReviewRouterOptions, reviewRouter } from '../../src/review/router';
import { MemoryStore } from '../../src/state/memory/store';

const TOKEN = 'tok-viewer-options-0123456789';
const tokens = [{ name: 'vera', role: 'viewer' as const, sha256: hashToken(TOKEN) }];
const store = new MemoryStore();
const build = (options: Partial<ReviewRouterOptions>) =>
  reviewRouter({ store, tokens, logger: { warn() {}, error() {} }, ...options } as ReviewRouterOptions);

describe('reviewRouter options', () => {
  it.each([
    [{ store: undefined }, /option "store" is required/],
    [{ store: { getHold() {} } }, /"listHolds" is not a function/],
    [{ tokens: [] }, /option "tokens" must be a non-empty list/],
    [{ tokens: [{ name: 'vera', role: 'viewer', token: 'plain' }] }, /never the token itself/],
    [
      { tokens: [{ name: 'vera', role: 'boss', sha256: hashToken('x') }] },
      /"tokens\[0\].role" must be "viewer", "reviewer" or "admin", got "boss"/,
    ],
    [
      { tokens: [{ name: 'vera', role: 'viewer', sha256: 'abc' }] },
      /"tokens\[0\].sha256" must be 64 hex digits: the SHA-256 of the token/,
    ],
    [{ tokens: [{ name: 'a b', role: 'viewer', sha256: hashToken('x') }] }, /"tokens\[0\].name" must be/],
    [
      { tokens: [...tokens, { name: 'vera', role: 'admin', sha256: hashToken('y') }] },
      /"vera" is used by two tokens/,
    ],
    [{ pageSize: 0 }, /option "pageSize" must be a positive whole number/],
    [{ pageSize: 500 }, /must not exceed "maxPageSize"/],
    [{ rateLimit: { max: 5 } }, /unknown option "rateLimit.max"/],
    [{ rateLimit: 600 }, /option "rateLimit" must be \{ windowMs, limit \} or false/],
    [
      { rateLimit: { store: { increment() {} } } },
      /option "rateLimit.store" must be an express-rate-limit Store/,
    ],
    [{ rateLimit: () => undefined }, /option "rateLimit"/],
    [{ allowedOrigins: ['https://ops.example.com/path'] }, /option "allowedOrigins"/],
    [{ tokenz: [] }, /unknown option "tokenz"/],
    // A custom store of an earlier contract, without the incidents or the trips.
    [
      { store: Object.assign(Object.create(store), { listIncidents: undefined }) },
      /"listIncidents" is not a function/,
    ],
    [{ store: Object.assign(Object.create(store), { listTrips: 1 }) }, /"listTrips" is not a function/],
    [
      { timeZone: 'Asia/Jakartaa' },
      /option "timeZone" must be an IANA time zone name such as "Asia\/Jakarta"/,
    ],
    [{ timeZone: '' }, /option "timeZone"/],
    [{ timeZone: 7 }, /option "timeZone"/],
  ])('refuses %j', (options, message) => {
    expect(() => build(options as Partial<ReviewRouterOptions>)).toThrow(message);
  });

  it('explains app.use(reviewRouter) without the call', () => {
    expect(() => reviewRouter(reviewRouter as never)).toThrow(/without being called/);
  });

  it('matches tokens by hash only, case-insensitively in the scheme', () => {
    const registry = new TokenRegistry(tokens);
    expect(registry.identify(`Bearer ${TOKEN}`)).toEqual({ name: 'vera', role: 'viewer' });
    expect(registry.identify(`bearer ${TOKEN}`)).toEqual({ name: 'vera', role: 'viewer' });
    expect(registry.identify(`Bearer ${TOKEN}x`)).toBeUndefined();
    expect(registry.identify(`Bearer ${hashToken(TOKEN)}`)).toBeUndefined();
    expect(registry.identify(TOKEN)).toBeUndefined();
    expect(registry.identify(undefined)).toBeUndefined();
  });
});

describe('review page and API headers', () => {
  const app = express().use('/review', build({}));

  it('serves the page with a strict CSP and nosniff, and redirects to the trailing slash', async () => {
    const redirect = await request(app).get('/review');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/review/');
    const page = await request(app).get('/review/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    );
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.text).not.toMatch(/<script>|\son\w+=|\sstyle=/i);
    const script = await request(app).get('/review/app.js');
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.text).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(() => new Script(script.text, { filename: 'app.js' })).not.toThrow();
    // The page names its icon, served here: no request for a /favicon.ico that is not there.
    expect(page.text).toContain('<link rel="icon" href="favicon.svg" type="image/svg+xml">');
    const icon = await request(app).get('/review/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('names the shop’s time zone in the page, as the runtime spells it', async () => {
    const zoned = express().use('/review', build({ timeZone: 'asia/jakarta' }));
    expect((await request(zoned).get('/review/')).text).toContain(
      '<meta name="shop-time-zone" content="Asia/Jakarta">',
    );
    expect((await request(app).get('/review/')).text).toContain('<meta name="shop-time-zone" content="UTC">');
  });

  it('answers unknown API routes with JSON 404 and bad JSON with 400', async () => {
    const missing = await request(app).get('/review/api/nope').set('Authorization', `Bearer ${TOKEN}`);
    expect(missing.status).toBe(404);
    const bad = await request(app)
      .post('/review/api/holds/x/approve')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Content-Type', 'application/json')
      .send('{"note":');
    expect([400, 403]).toContain(bad.status); // a viewer may be refused before the body is read
  });
});

describe('review API rate limit', () => {
  it('limits per token and answers 429 with JSON', async () => {
    const app = express().use('/review', build({ rateLimit: { windowMs: 60_000, limit: 3 } }));
    const statuses: number[] = [];
    for (let index = 0; index < 5; index++) {
      statuses.push(
        (await request(app).get('/review/api/me').set('Authorization', `Bearer ${TOKEN}`)).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // Unauthenticated guesses are counted per address, separately from the token's budget.
    const guesses: number[] = [];
    for (let index = 0; index < 4; index++) {
      guesses.push(
        (await request(app).get('/review/api/me').set('Authorization', `Bearer guess-${index}`)).status,
      );
    }
    expect(guesses).toEqual([401, 401, 401, 429]);
  });

  it('shares one budget between routers given the same rateLimitBudget()', async () => {
    expect(() => rateLimitBudget({ limit: 0 })).toThrow(
      /^rateLimitBudget: option "limit" must be a positive whole number of requests, got 0/,
    );
    const budget = rateLimitBudget({ limit: 3 });
    const app = express()
      .use('/review', build({ rateLimit: budget }))
      .use('/ops/review', build({ rateLimit: budget }));
    const statuses: number[] = [];
    for (const path of ['/review', '/ops/review', '/review', '/ops/review']) {
      statuses.push(
        (await request(app).get(`${path}/api/me`).set('Authorization', `Bearer ${TOKEN}`)).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
