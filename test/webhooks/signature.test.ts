// test/webhooks/signature.test.ts
// The shipped Standard Webhooks helpers: signatures verify, and fail on a tampered body or id, an old timestamp,
// a wrong secret; the Standard Webhooks reference library agrees with them both ways.

import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import {
  assertWebhookSignature,
  generateWebhookSecret,
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  WebhookSignatureError,
} from '../../src/webhooks/signature';

// The example secret of the Standard Webhooks test suites: 24 bytes.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = generateWebhookSecret();
const NOW = Date.UTC(2026, 10, 11, 10, 0, 0);
const T = Math.floor(NOW / 1000);
const ID = 'evt_0123456789abcdef0123456789abcdef';
const BODY = JSON.stringify({ id: ID, type: 'order.cancelled', orderId: 'ord_8f2c' });

const sign = (body: string, secret: string | string[] = SECRET, id = ID, t = T) =>
  signWebhook(body, secret, { id, timestampSeconds: t });

describe('signWebhook / verifyWebhookSignature (Standard Webhooks)', () => {
  it('signs "id.timestamp.body" as v1,<base64 HMAC-SHA256> and verifies it from a string or a Buffer', () => {
    const headers = sign(BODY);
    expect(headers).toEqual({
      'webhook-id': ID,
      'webhook-timestamp': String(T),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
    expect(Object.values(WEBHOOK_HEADERS).sort()).toEqual(Object.keys(headers).sort());
    expect(verifyWebhookSignature(BODY, headers, SECRET, { now: NOW })).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(BODY), headers, SECRET, { now: NOW + 299_000 })).toBe(true);
  });

  it('agrees with the standardwebhooks reference library, both ways', () => {
    const reference = new Webhook(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const ours = sign(BODY, SECRET, ID, now);
    expect(reference.verify(BODY, ours)).toEqual(JSON.parse(BODY));
    const theirs = reference.sign(ID, new Date(now * 1000), BODY);
    expect(theirs).toBe(ours['webhook-signature']);
    expect(
      verifyWebhookSignature(
        BODY,
        { 'webhook-id': ID, 'webhook-timestamp': String(now), 'webhook-signature': theirs },
        SECRET,
      ),
    ).toBe(true);
  });

  it('reads headers in any case, as Node gives them, as arrays, or from a fetch Headers', () => {
    const headers = sign(BODY);
    const mixed = {
      'Webhook-Id': headers['webhook-id'],
      'WEBHOOK-TIMESTAMP': [headers['webhook-timestamp']],
      'webhook-signature': headers['webhook-signature'],
    };
    expect(verifyWebhookSignature(BODY, mixed, SECRET, { now: NOW })).toBe(true);
    expect(verifyWebhookSignature(BODY, new Headers(headers), SECRET, { now: NOW })).toBe(true);
  });

  it('refuses any tampered body, and a signature moved to another event id (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (body, other) => {
        fc.pre(body !== other);
        const headers = sign(body);
        expect(verifyWebhookSignature(other, headers, SECRET, { now: NOW })).toBe(false);
        expect(
          verifyWebhookSignature(body, { ...headers, 'webhook-id': `${ID}x` }, SECRET, { now: NOW }),
        ).toBe(false);
      }),
    );
  });

  it('refuses an old or far-future timestamp, a changed timestamp, a wrong secret, and missing headers', () => {
    const headers = sign(BODY);
    expect(verifyWebhookSignature(BODY, headers, SECRET, { now: NOW + 301_000 })).toBe(false);
    expect(verifyWebhookSignature(BODY, headers, SECRET, { now: NOW - 301_000 })).toBe(false);
    expect(
      verifyWebhookSignature(BODY, headers, SECRET, { now: NOW + 3_000_000, toleranceSeconds: 3_600 }),
    ).toBe(true);
    expect(verifyWebhookSignature(BODY, headers, OTHER, { now: NOW })).toBe(false);
    expect(
      verifyWebhookSignature(BODY, { ...headers, 'webhook-timestamp': String(T + 1) }, SECRET, { now: NOW }),
    ).toBe(false);
    expect(verifyWebhookSignature(BODY, {}, SECRET, { now: NOW })).toBe(false);
  });

  it('accepts any of several secrets during a rotation, and any of several v1 signatures', () => {
    const headers = sign(BODY);
    expect(verifyWebhookSignature(BODY, headers, [OTHER, SECRET], { now: NOW })).toBe(true);
    const both = sign(BODY, [OTHER, SECRET]);
    expect(both['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhookSignature(BODY, both, SECRET, { now: NOW })).toBe(true);
    expect(verifyWebhookSignature(BODY, both, OTHER, { now: NOW })).toBe(true);
    // Asymmetric (v1a) signatures are not ours to check; they are skipped, not an error.
    const mixed = { ...headers, 'webhook-signature': `v1a,AAAA ${headers['webhook-signature']}` };
    expect(verifyWebhookSignature(BODY, mixed, SECRET, { now: NOW })).toBe(true);
  });

  it('says why through assertWebhookSignature', () => {
    const headers = sign(BODY);
    const reason = (fn: () => void) => {
      try {
        fn();
        return 'ok';
      } catch (error) {
        return error instanceof WebhookSignatureError ? error.reason : 'other';
      }
    };
    expect(reason(() => assertWebhookSignature(BODY, headers, SECRET, { now: NOW }))).toBe('ok');
    expect(reason(() => assertWebhookSignature(`${BODY} `, headers, SECRET, { now: NOW }))).toBe(
      'signature_mismatch',
    );
    expect(reason(() => assertWebhookSignature(BODY, headers, SECRET, { now: NOW + 600_000 }))).toBe(
      'timestamp_outside_tolerance',
    );
    expect(reason(() => assertWebhookSignature(BODY, { ...headers, 'webhook-id': '' }, SECRET))).toBe(
      'missing_header',
    );
    expect(
      reason(() => assertWebhookSignature(BODY, { ...headers, 'webhook-signature': 'v1=abc' }, SECRET)),
    ).toBe('malformed_header');
    expect(
      reason(() => assertWebhookSignature(BODY, { ...headers, 'webhook-timestamp': 'soon' }, SECRET)),
    ).toBe('malformed_header');
  });

  it('throws a TypeError for programming mistakes, naming the fix', () => {
    const headers = sign(BODY);
    expect(() => verifyWebhookSignature(JSON.parse(BODY), headers, SECRET)).toThrow(/raw request body/);
    expect(() => verifyWebhookSignature(BODY, headers, '')).toThrow(/whsec_/);
    expect(() => verifyWebhookSignature(BODY, headers, 'a-plain-secret-of-old-0123456789')).toThrow(
      /Standard Webhooks secret/,
    );
    // The old one-header call shape is refused loudly rather than answering false forever.
    expect(() =>
      verifyWebhookSignature(BODY, 't=1,v1=abc' as unknown as Record<string, string>, SECRET),
    ).toThrow(/pass the request headers/);
    expect(() => signWebhook(BODY, SECRET, { id: 'evt.1', timestampSeconds: T })).toThrow(/no "\."/);
  });

  it('generates secrets the reference library accepts, and refuses lengths outside 24 to 64 bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const now = Math.floor(Date.now() / 1000);
    expect(new Webhook(secret).verify(BODY, sign(BODY, secret, ID, now))).toEqual(JSON.parse(BODY));
    expect(() => generateWebhookSecret(16)).toThrow(/24 to 64/);
    expect(() => verifyWebhookSignature(BODY, {}, `whsec_${Buffer.alloc(16).toString('base64')}`)).toThrow(
      /decodes to 16/,
    );
  });
});
