// test/review/webhook-signature.test.ts
// The shipped verification helper: signatures verify, and fail on a tampered body, an old timestamp or a wrong secret.

import fc from 'fast-check';
import {
  assertWebhookSignature,
  signWebhook,
  verifyWebhookSignature,
  WebhookSignatureError,
} from '../../src/review/signature';

const SECRET = 'whsec_0123456789abcdef0123456789abcdef';
const NOW = Date.UTC(2026, 10, 11, 10, 0, 0);
const T = Math.floor(NOW / 1000);
const BODY = JSON.stringify({ id: 'evt_1', type: 'order.cancelled', orderId: 'ord_8f2c' });

describe('verifyWebhookSignature', () => {
  it('accepts what signWebhook produced, as a string or a Buffer', () => {
    const header = signWebhook(BODY, SECRET, T);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(BODY, header, SECRET, { now: NOW })).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(BODY), header, SECRET, { now: NOW + 299_000 })).toBe(true);
  });

  it('refuses any tampered body (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (body, other) => {
        fc.pre(body !== other);
        const header = signWebhook(body, SECRET, T);
        expect(verifyWebhookSignature(other, header, SECRET, { now: NOW })).toBe(false);
      }),
    );
  });

  it('refuses an old or far-future timestamp, a wrong secret, and a malformed or missing header', () => {
    const header = signWebhook(BODY, SECRET, T);
    expect(verifyWebhookSignature(BODY, header, SECRET, { now: NOW + 301_000 })).toBe(false);
    expect(verifyWebhookSignature(BODY, header, SECRET, { now: NOW - 301_000 })).toBe(false);
    expect(
      verifyWebhookSignature(BODY, header, SECRET, { now: NOW + 3_000_000, toleranceSeconds: 3_600 }),
    ).toBe(true);
    expect(verifyWebhookSignature(BODY, header, 'whsec_another_secret_entirely', { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(BODY, header.replace(/t=\d+/, `t=${T + 1}`), SECRET, { now: NOW })).toBe(
      false,
    );
    expect(verifyWebhookSignature(BODY, 'v1=abc', SECRET, { now: NOW })).toBe(false);
    expect(verifyWebhookSignature(BODY, undefined, SECRET, { now: NOW })).toBe(false);
  });

  it('accepts any of several secrets during a rotation, and any of several v1 signatures', () => {
    const header = signWebhook(BODY, SECRET, T);
    expect(verifyWebhookSignature(BODY, header, ['whsec_new_secret_0123456789', SECRET], { now: NOW })).toBe(
      true,
    );
    const old = signWebhook(BODY, 'whsec_old_secret_0123456789', T).split(',')[1];
    expect(
      verifyWebhookSignature(BODY, `${header},${old}`, 'whsec_old_secret_0123456789', { now: NOW }),
    ).toBe(true);
  });

  it('says why through assertWebhookSignature, and throws TypeError for a parsed body', () => {
    const header = signWebhook(BODY, SECRET, T);
    const reason = (fn: () => void) => {
      try {
        fn();
        return 'ok';
      } catch (error) {
        return error instanceof WebhookSignatureError ? error.reason : 'other';
      }
    };
    expect(reason(() => assertWebhookSignature(BODY, header, SECRET, { now: NOW }))).toBe('ok');
    expect(reason(() => assertWebhookSignature(`${BODY} `, header, SECRET, { now: NOW }))).toBe(
      'signature_mismatch',
    );
    expect(reason(() => assertWebhookSignature(BODY, header, SECRET, { now: NOW + 600_000 }))).toBe(
      'timestamp_outside_tolerance',
    );
    expect(reason(() => assertWebhookSignature(BODY, '', SECRET))).toBe('missing_header');
    expect(reason(() => assertWebhookSignature(BODY, 't=1', SECRET))).toBe('malformed_header');
    expect(() => verifyWebhookSignature(JSON.parse(BODY), header, SECRET)).toThrow(TypeError);
    expect(() => verifyWebhookSignature(BODY, header, '')).toThrow(TypeError);
  });
});
