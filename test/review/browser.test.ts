// test/review/browser.test.ts
// The on-call page in Debian's chromium through a scripted night: incidents as /incidents answers them, exposure,
// the leak cleaned up in two keyboard bulk actions, trips, no action on the wrong order, phone, axe, screenshots.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import express from 'express';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import request from 'supertest';
import { formatMoney } from '../../src/core/money';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import type { HoldStatus } from '../../src/ports/store';
import { hashToken } from '../../src/review/auth';
import { type ReviewRouter, reviewRouter } from '../../src/review/router';
import { MemoryStore } from '../../src/state/memory/store';
import { line, order, orderAmounts } from '../helpers/orders';
import { normalDay, stackedSegment, stackedSurge } from '../helpers/surge';
import { HOSTILE_CUSTOMER, HOSTILE_SKU, LEAKED, night, nightPolicy } from './night-fixture';

const CHROMIUM = '/usr/bin/chromium';
const SHOP_ZONE = 'Asia/Jakarta';
const REVIEWER = 'tok-reviewer-night-browser-0123456789';
const ADMIN = 'tok-admin-night-browser-0123456789';
const VIEWER = 'tok-viewer-night-browser-0123456789';

const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') {
  throw new Error(
    `${CHROMIUM} is missing and CI=true: install it (apt-get install -y chromium); the browser test must run in CI`,
  );
}
if (!available) {
  console.warn(
    `\n\n!!!!!!!! SKIPPING the review page browser test: ${CHROMIUM} is missing. Install it with apt-get install -y chromium. !!!!!!!!\n\n`,
  );
}
const describeBrowser = available ? describe : describe.skip;

/**
 * Where screenshots go: a temporary directory, so a test run never rewrites tracked files. `CPG_SCREENSHOTS=docs`
 * regenerates the committed ones in docs/.
 */
const SCREENSHOTS = process.env.CPG_SCREENSHOTS || join(tmpdir(), 'cpg-review-screenshots');
function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, name);
}

/** The page's one time format, in the shop's time zone: "2026-12-07 08:05". */
function shopTime(ms: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: SHOP_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** Debian's chromium headless, on a fresh profile, with nothing of its own running in the background. */
function launchChromium(
  userDataDir: string,
  options: Parameters<typeof chromium.launchPersistentContext>[1] = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // The reviewer's browser is in another zone and locale than the shop: the page follows the shop.
    timezoneId: 'America/New_York',
    locale: 'id-ID',
    ...options,
  });
}

/** Axe's serious and critical violations on the page as it is, as "rule: target" lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) =>
      violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')} (${violation.help})`),
    );
}

describeBrowser('review page in chromium: a scripted night', () => {
  let context: BrowserContext;
  let server: Server;
  let router: ReviewRouter;
  let base: string;
  let page: Page;
  let guard: Guard;
  const profiles: string[] = [];
  const store = new MemoryStore();
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  const failures: string[] = [];
  const inputs = new Map(night().map(({ input }) => [input.orderId, input]));
  // Recent times, so ages read like a live incident: the night began 65 minutes ago.
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 65 * 60_000;
  let now = start;
  const statuses = new Map<string, HoldStatus>();

  const api = (path: string, token = VIEWER) =>
    request(base).get(`/review/api/${path}`).set('Authorization', `Bearer ${token}`);

  /** Every held order's status now, from the store. */
  async function statusesNow(): Promise<Map<string, HoldStatus>> {
    const out = new Map<string, HoldStatus>();
    for (const orderId of inputs.keys()) {
      const held = await store.getHold(orderId);
      if (held) out.set(orderId, held.status);
    }
    return out;
  }

  /** Watches a page: dialogs (script run from data), page errors and failed requests (a favicon 404). */
  function watch(target: Page) {
    target.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    target.on('pageerror', (error) => pageErrors.push(error.message));
    target.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`);
    });
    target.on('requestfailed', (failed) => {
      // A poll cut short by closing its page is not a failure of the page.
      if (!/ERR_ABORTED/.test(failed.failure()?.errorText ?? '')) {
        failures.push(`failed ${failed.url()}: ${failed.failure()?.errorText}`);
      }
    });
    target.setDefaultTimeout(10_000);
  }

  async function signIn(target: Page, token: string) {
    await target.goto(`${base}/review/?refresh=1`);
    await target.fill('#token', token);
    await target.click('#login button[type=submit]');
    await target.locator('#incident-rows tr[data-id]').first().waitFor();
  }

  /** A fresh profile directory, removed after the suite. */
  function freshProfile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'cpg-chromium-'));
    profiles.push(dir);
    return dir;
  }

  /** Another signed-in tab of the desktop browser (its own sessionStorage: another reviewer's token). */
  async function signedInPage(token: string): Promise<Page> {
    const other = await context.newPage();
    watch(other);
    await signIn(other, token);
    return other;
  }

  async function incidentIds(target: Page): Promise<string[]> {
    return target
      .locator('#incident-rows tr[data-id]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id') ?? ''));
  }

  beforeAll(async () => {
    guard = new Guard({ policy: nightPolicy, store, clock: () => now });
    for (const { minute, input } of night()) {
      now = start + Math.round(minute * 60_000);
      await guard.check(input);
    }
    now = start + 65 * 60_000;
    router = reviewRouter({
      store,
      tokens: [
        { name: 'dewi', role: 'reviewer', sha256: hashToken(REVIEWER) },
        { name: 'ana', role: 'admin', sha256: hashToken(ADMIN) },
        { name: 'vera', role: 'viewer', sha256: hashToken(VIEWER) },
      ],
      rateLimit: false,
      logger: { warn() {}, error() {} },
      clock: () => now,
      timeZone: SHOP_ZONE,
    });
    const app = express().use('/review', router);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    context = await launchChromium(freshProfile(), { viewport: { width: 1440, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    watch(page);
    for (const [orderId, status] of await statusesNow()) statuses.set(orderId, status);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
    for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the incident table exactly as /incidents answers it, in the shop’s time zone', async () => {
    const response = await page.goto(`${base}/review`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(page.url()).toBe(`${base}/review/`);
    await signIn(page, REVIEWER);
    await expect(page.locator('#me').textContent()).resolves.toBe('dewi (reviewer)');
    await expect(page.locator('#zone').textContent()).resolves.toBe(`Times in ${SHOP_ZONE} (UTC+07:00)`);

    const answer = (await api('incidents?limit=500')).body;
    expect(answer.pending).toBe([...statuses.values()].filter((status) => status === 'pending').length);
    expect(answer.incidents.reduce((sum: number, one: { count: number }) => sum + one.count, 0)).toBe(
      answer.pending,
    );
    await expect(incidentIds(page)).resolves.toEqual(answer.incidents.map((one: { id: string }) => one.id));
    for (const incident of answer.incidents) {
      const row = page.locator(`#incident-rows tr[data-id="${incident.id}"]`);
      await expect(row.locator('.count .amount').textContent()).resolves.toBe(String(incident.count));
      await expect(row.locator('.money .amount').first().textContent()).resolves.toBe(
        incident.display.exposure.IDR.exposure,
      );
      await expect(row.locator('time').first().textContent()).resolves.toBe(shopTime(incident.firstHeldAt));
    }
    // One primary cause each: the leak is one row, the headphone its own three orders (not the leak order too).
    expect(answer.incidents.map((one: { id: string; count: number }) => `${one.id}=${one.count}`)).toEqual(
      expect.arrayContaining(['sku:HEADPHONE-X1=3']),
    );
    expect(answer.incidents.filter((one: { id: string }) => one.id.includes(LEAKED))).toHaveLength(1);
    expect(answer.incidents.find((one: { id: string }) => one.id === `voucher:${LEAKED}`).trip).toMatchObject(
      {
        code: LEAKED,
      },
    );
    await page.locator(`#incident-rows tr[data-id="voucher:${LEAKED}"] .tripped`).waitFor();

    // The tampered totals leave unpaid what their parts add up to, less the little they claim.
    const tampered = orderAmounts(inputs.get('tv-1')!).exposure + orderAmounts(inputs.get('tv-2')!).exposure;
    const totals = answer.incidents.find((one: { id: string }) => one.id === 'rule:total_mismatch');
    expect(totals.exposure.IDR.exposure).toBe(tampered);
    await expect(
      page.locator('#incident-rows tr[data-id="rule:total_mismatch"] .money .amount').textContent(),
    ).resolves.toBe(formatMoney(tampered, 'IDR'));
    // It ranks first by money (what was given away alone would have put it last), and the header counts it.
    expect((await incidentIds(page))[0]).toBe('rule:total_mismatch');
    const stats = (await api('stats')).body;
    await expect(page.locator('#at-stake').textContent()).resolves.toBe(
      `At stake: ${stats.display.pendingValue.IDR.exposure} unpaid`,
    );
    // One format, the shop's zone, no month names of the browser's locale.
    const times = await page.locator('time').allTextContents();
    expect(times.length).toBeGreaterThan(20);
    for (const text of times) expect(text).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toMatch(/\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mei|Agu|Okt|Des)\b/);
    // Hostile data is text.
    await page.getByText(HOSTILE_SKU.toUpperCase(), { exact: true }).first().waitFor();
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('body script').count()).resolves.toBe(0);
    await expect(seriousViolations(page)).resolves.toEqual([]);
    await page.screenshot({ path: screenshotPath('review-queue.png') });
  });

  it('cleans the leak up in two bulk actions from the keyboard, with the right counts, and nothing else', async () => {
    const pending = (await api(`holds?status=pending&incident=voucher:${LEAKED}&limit=200`)).body
      .items as Array<{
      orderId: string;
      rules: string[];
      exposure: number;
      order: { paymentMethod: string };
    }>;
    const ineligible = pending.filter((held) => held.rules.includes('voucher_ineligible'));
    const bankCards = pending.filter((held) => !held.rules.includes('voucher_ineligible'));
    expect(ineligible.length).toBeGreaterThan(10);
    expect(bankCards.length).toBeGreaterThanOrEqual(2);
    for (const held of bankCards) expect(held.order.paymentMethod).toBe('CARD:BNI-VISA');

    await page.locator('body').press('i');
    await page.locator('#incidents.active').waitFor();
    const ids = await incidentIds(page);
    for (let n = 0; n < ids.indexOf(`voucher:${LEAKED}`); n++) await page.keyboard.press('j');
    await page.locator(`#incident-rows tr.selected[data-id="voucher:${LEAKED}"]`).waitFor();

    // r opens the form for the incident and previews it: every order, split by rule and payment method.
    await page.keyboard.press('r');
    await page
      .locator('#b-result .preview-count', { hasText: `${pending.length} pending orders match` })
      .waitFor();
    await expect(page.locator('#bulk-title').textContent()).resolves.toBe(
      `Decide voucher ${LEAKED}: ${pending.length} pending orders`,
    );
    await expect(page.locator('#b-result .samples tr').count()).resolves.toBeGreaterThan(3);
    await expect(page.locator('#b-result').textContent()).resolves.toContain('CARD:BNI-VISA');
    await page.locator('#b-note:focus').waitFor();
    await expect(seriousViolations(page)).resolves.toEqual([]);
    await page.screenshot({ path: screenshotPath('review-incidents.png') });

    // First action: narrow to the ineligible ones (the rule select, from the keyboard), note, Enter, Enter.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.locator('#b-rule:focus').waitFor();
    await page.keyboard.press('ArrowDown');
    await expect(page.locator('#b-rule').inputValue()).resolves.toBe('voucher_ineligible');
    await page
      .locator('#b-result .preview-count', { hasText: `${ineligible.length} pending orders match` })
      .waitFor();
    await page.locator('#b-note:focus').waitFor();
    await page.keyboard.type('leaked payday code used without the bank’s card');
    await page.keyboard.press('Enter');
    await page.locator('#b-confirm:focus').waitFor();
    const money = (holds: Array<{ exposure: number }>) =>
      formatMoney(
        holds.reduce((sum, held) => sum + held.exposure, 0),
        'IDR',
      );
    await expect(page.locator('#b-confirm').textContent()).resolves.toBe(
      `Confirm: reject ${ineligible.length} orders (${money(ineligible)} unpaid)`,
    );
    await page.keyboard.press('Enter');
    const result = page.locator('#i-status');
    await result.filter({ hasText: `Rejected ${ineligible.length} orders of voucher ${LEAKED}` }).waitFor();
    await expect(result.textContent()).resolves.toBe(
      `Rejected ${ineligible.length} orders of voucher ${LEAKED} (rule voucher_ineligible).`,
    );
    // The form is reset, the keys stay on the incidents, and the result is shown there, in view.
    await page.locator('#bulk').waitFor({ state: 'hidden' });
    await expect(page.locator('#b-note').inputValue()).resolves.toBe('');
    await expect(page.evaluate('document.activeElement.id')).resolves.toBe('i-table');
    await page.locator('#incidents.active').waitFor();
    expect(await result.isVisible()).toBe(true);
    const box = (await result.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(900);

    // r again acts on the incident, not on an order of the list: it only opens the form (Esc closes it).
    await page
      .locator(`#incident-rows tr.selected[data-id="voucher:${LEAKED}"] .count`, {
        hasText: String(bankCards.length),
      })
      .waitFor();
    await page.keyboard.press('r');
    await page
      .locator('#b-result .preview-count', { hasText: `${bankCards.length} pending orders match` })
      .waitFor();
    await expect(page.locator('#b-note').inputValue()).resolves.toBe('');
    await page.keyboard.press('Escape');
    await page.locator('#bulk').waitFor({ state: 'hidden' });

    // Second action: what is left are the bank's own cardholders; approve them.
    await page.keyboard.press('a');
    await page.locator('#b-confirm:focus').waitFor();
    await expect(page.locator('#b-confirm').textContent()).resolves.toBe(
      `Confirm: approve ${bankCards.length} orders (${money(bankCards)} unpaid)`,
    );
    await page.keyboard.press('Enter');
    await result.filter({ hasText: `Approved ${bankCards.length} orders of voucher ${LEAKED}.` }).waitFor();
    await page.locator(`#incident-rows tr[data-id="voucher:${LEAKED}"]`).waitFor({ state: 'detached' });

    // A single-order reject never picks up an incident's note: it asks for the order's own.
    await page.keyboard.press('l');
    await page.locator('#queue.active').waitFor();
    const selected = await page.locator('#rows tr.selected').getAttribute('data-order-id');
    await page.keyboard.press('r');
    await page.locator('#l-status', { hasText: `A note is required to reject ${selected}` }).waitFor();
    await expect(page.locator('#note').inputValue()).resolves.toBe('');

    // Exactly the leak's orders changed, as asked.
    const after = await statusesNow();
    for (const [orderId, status] of after) {
      const expected = ineligible.some((held) => held.orderId === orderId)
        ? 'rejected'
        : bankCards.some((held) => held.orderId === orderId)
          ? 'approved'
          : statuses.get(orderId);
      expect(`${orderId}=${status}`).toBe(`${orderId}=${expected}`);
    }
    for (const held of ineligible) {
      expect(await store.getHold(held.orderId)).toMatchObject({
        resolution: { by: 'dewi', note: 'leaked payday code used without the bank’s card' },
      });
    }
    await page.locator('body').press('Escape'); // leaves the note field
  });

  it('lists the tripped code after its holds are decided, with why, its uses and when it may end', async () => {
    await page.locator('body').press('t');
    await page.locator('#trips.active').waitFor();
    const row = page.locator(`#trip-rows tr[data-code="${LEAKED}"]`);
    await row.waitFor();
    const [trip] = (await api('vouchers?state=tripped')).body.vouchers;
    expect(trip).toMatchObject({ code: LEAKED, sticky: false });
    await expect(row.locator('.pending .amount').textContent()).resolves.toBe('0');
    await expect(row.locator('.reason').textContent()).resolves.toBe(trip.reason);
    await expect(row.locator('time').first().textContent()).resolves.toBe(shopTime(trip.trippedAt));
    await expect(row.locator('.uses .amount').textContent()).resolves.toBe(`${trip.uses} in 30 min`);
    // A reviewer sees no trip controls; an admin keeps it held, then clears it from the keyboard.
    await expect(row.locator('button.keep-held').isVisible()).resolves.toBe(false);
    const admin = await signedInPage(ADMIN);
    await admin.locator('body').press('t');
    const keep = admin.locator(`#trip-rows tr[data-code="${LEAKED}"] button.keep-held`);
    await keep.click();
    await expect(keep.textContent()).resolves.toBe(`Confirm: keep ${LEAKED} held 24 h`);
    await keep.click();
    const until = now + 24 * 3_600_000;
    await admin
      .locator('#t-status', { hasText: `kept held until ${shopTime(until)} (${SHOP_ZONE})` })
      .waitFor();
    await admin.locator(`#trip-rows tr[data-code="${LEAKED}"] .badge-sticky`).waitFor();
    await admin.locator('body').press('v');
    await admin
      .locator('#t-status', { hasText: `Press again to clear the velocity trip of voucher ${LEAKED}` })
      .waitFor();
    await admin.locator('body').press('v');
    await admin.locator('#t-status', { hasText: `Voucher ${LEAKED} cleared` }).waitFor();
    await admin.locator(`#trip-rows tr[data-code="${LEAKED}"]`).waitFor({ state: 'detached' });
    expect((await store.auditTrail({ limit: 5 })).map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['voucher_extended', 'voucher_cleared']),
    );
    await admin.close();
  });

  it('shows an order’s amounts so the total reconciles, and the code as the shopper typed it', async () => {
    await page.locator('body').press('i');
    await page.locator('#incident-rows tr[data-id="rule:total_mismatch"]').click();
    await page.keyboard.press('Enter');
    await page
      .locator('#l-status', { hasText: 'Showing the 2 pending orders of rule total_mismatch' })
      .waitFor();
    await page.locator('#rows tr[data-order-id="tv-1"]').click();
    await page.locator('#detail h2', { hasText: 'tv-1' }).waitFor();
    const amounts = await page.locator('#detail .amounts tr').allInnerTexts();
    expect(amounts.map((row) => row.replace(/\s+/g, ' ').trim())).toEqual([
      'List value of the lines IDR 9,999,000',
      'Line discounts − IDR 0',
      'Voucher discounts − IDR 0',
      'Shipping + IDR 150,000',
      'Shipping discount − IDR 0',
      'Tax + IDR 25,000',
      'Total from these parts = IDR 10,174,000',
      'Total the order pays IDR 99,000',
      'Shortfall nobody explains IDR 10,075,000',
      'At stake (discounts and what is left unpaid) IDR 10,075,000',
    ]);
    await expect(seriousViolations(page)).resolves.toEqual([]);
    // A code the shopper typed as "Gajian 50" is shown so in the reason and the facts.
    await page.fill('#f-incident', '');
    await page.selectOption('#f-status', 'any');
    await page.fill('#f-voucher', 'gajian50');
    await page.click('#filters button[type=submit]');
    await page.locator('#rows tr[data-order-id="pay-01"]').click();
    await page.locator('#detail h2', { hasText: 'pay-01' }).waitFor();
    await expect(page.locator('#detail .reasons').textContent()).resolves.toContain(
      'Voucher Gajian 50 is only for payment by',
    );
    await page.locator('#detail .facts dd', { hasText: `Gajian 50 (${LEAKED})` }).waitFor();
  });

  it('updates live: a new hold appears in its incident and in the header', async () => {
    await page.locator('#updated', { hasText: /^updated \d+ s ago$/ }).waitFor();
    now += 60_000;
    await guard.check(order({ orderId: 'live-1', lines: [line('TEA-BOX', 85_000)], total: 0 }));
    await page
      .locator('#incident-rows tr[data-id="rule:total_mismatch"] .count .amount', { hasText: '3' })
      .waitFor();
    const stats = (await api('stats')).body;
    await page.locator('#at-stake', { hasText: stats.display.pendingValue.IDR.exposure }).waitFor();
  });

  it('on a phone: cards with labelled amounts and one action, the order over the list on tap, no key hints, axe on both', async () => {
    const phoneContext = await launchChromium(freshProfile(), {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const phone = phoneContext.pages()[0] ?? (await phoneContext.newPage());
    watch(phone);
    await signIn(phone, REVIEWER);
    await expect(phone.locator('#keys-at').isVisible()).resolves.toBe(false);
    await expect(phone.locator('#help').isVisible()).resolves.toBe(false);
    for (const card of await phone.locator('#incident-rows tr[data-id]').all()) {
      const visible = await card
        .locator('button')
        .evaluateAll(
          (buttons) =>
            buttons.filter((node) => (node as { offsetParent: unknown }).offsetParent !== null).length,
        );
      expect(visible).toBe(1);
      await expect(card.locator('.money .amount-label').first().textContent()).resolves.toBe('Unpaid ');
    }
    const row = phone.locator('#rows tr').first();
    await expect(row.locator('.pays .amount-label').isVisible()).resolves.toBe(true);
    await expect(row.locator('.given .amount-label').textContent()).resolves.toBe('Unpaid ');
    expect(Number(await phone.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(390);
    await expect(seriousViolations(phone)).resolves.toEqual([]);
    await phone.screenshot({ path: screenshotPath('review-phone.png') });

    // A tap on an order opens it over the list, at the top of the screen; Back returns to the list.
    const orderId = await row.getAttribute('data-order-id');
    await row.locator('.order').tap();
    const detail = phone.locator('#detail');
    await detail.locator('h2', { hasText: orderId! }).waitFor();
    const box = (await detail.boundingBox())!;
    expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
    await expect(seriousViolations(phone)).resolves.toEqual([]);
    await detail.locator('button.back').tap();
    await detail.waitFor({ state: 'hidden' });
    await phoneContext.close();
  });

  it('lets an admin accept a line’s new price from a below_recent_price hold; a reviewer has no such button', async () => {
    for (let index = 0; index < 20; index++) {
      now += 60_000;
      const result = await guard.check(
        order({ orderId: `lamp-${index}`, lines: [line('DESK-LAMP', 500_000)] }),
      );
      expect(result.kind).toBe('allowed');
    }
    now += 60_000;
    // Two lamps at 300,000 with 100,001 off the line: the net unit price paid is floor(499,999 / 2) = 249,999.
    const held = await guard.check(
      order({ orderId: 'lamp-cut', lines: [line('DESK-LAMP', 300_000, 100_001, 2)] }),
    );
    expect(held.kind).toBe('held');
    // The reviewer sees the reason but no button; the key says why.
    await page.selectOption('#f-status', 'pending');
    await page.fill('#f-voucher', '');
    await page.fill('#f-sku', 'desk-lamp');
    await page.click('#filters button[type=submit]');
    await page.locator('#rows tr[data-order-id="lamp-cut"]').click();
    await page.locator('#detail .reasons .rule', { hasText: 'below_recent_price' }).waitFor();
    await expect(page.locator('#detail button.accept-price').isVisible()).resolves.toBe(false);
    await page.locator('body').press('p');
    await page.locator('#l-status', { hasText: 'Accepting a new price needs the admin role.' }).waitFor();
    const admin = await signedInPage(ADMIN);
    await admin.locator('#f-status').selectOption('pending');
    await admin.fill('#f-sku', 'desk-lamp');
    await admin.click('#filters button[type=submit]');
    await admin.locator('#rows tr[data-order-id="lamp-cut"]').click();
    const accept = admin.locator('#detail button.accept-price');
    await expect(accept.textContent()).resolves.toBe('Accept new price IDR 249,999');
    await accept.click();
    await expect(accept.textContent()).resolves.toBe('Confirm: accept IDR 249,999 for DESK-LAMP');
    await admin.locator('body').press('p');
    await admin.locator('#l-status', { hasText: 'IDR 249,999 accepted as the price of DESK-LAMP' }).waitFor();
    expect(
      (await store.auditTrail({ limit: 5 })).find((entry) => entry.action === 'price_accepted'),
    ).toMatchObject({
      actor: 'ana',
      sku: 'DESK-LAMP',
      note: 'IDR 249999',
    });
    await admin.close();
  });

  it('says which uses a trip scoped to the surge holds, on the trip panel and on its incident', async () => {
    // A day of DAILY used alone, then a surge of it stacked with EXTRA (declared busy, so it does not trip itself).
    const scoped = new Guard({
      policy: parsePolicy({ vouchers: { DAILY: {}, EXTRA: { velocity: { expectedPerHour: 1000 } } } }),
      store,
      clock: () => now,
    });
    const t0 = now + 7 * 3_600_000;
    for (const use of [
      ...normalDay('DAILY', t0, 'daily'),
      ...stackedSurge('DAILY', 'EXTRA', t0, 'stacked'),
    ]) {
      now = use.at;
      await scoped.check(use.input);
    }
    now = t0 + 60_000;
    const holdsOnly = `holds only: ${stackedSegment('EXTRA')}`;
    await page.locator('body').press('t');
    await page.locator('#trip-rows tr[data-code="DAILY"] .segment', { hasText: holdsOnly }).waitFor();
    await page.locator('body').press('i');
    await page
      .locator('#incident-rows tr[data-id="voucher:DAILY"] .segment', { hasText: holdsOnly })
      .waitFor();
  });

  it('ran no script from data, raised no page error and asked for nothing that is not there (no favicon 404)', () => {
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(failures).toEqual([]);
    expect(HOSTILE_CUSTOMER).toContain('<script>');
  });
});
