// src/review/signature.ts
// Signs and verifies review webhooks: HMAC-SHA256 over "t.rawBody" with a timestamp, like payment providers.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a webhook's signature travels in: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">`. */
export const SIGNATURE_HEADER = 'Checkout-Price-Guard-Signature';

/** Why a signature was refused. */
export type WebhookSignatureFailure =
  | 'missing_header'
  | 'malformed_header'
  | 'timestamp_outside_tolerance'
  | 'signature_mismatch';

/** Thrown by `assertWebhookSignature` when a webhook must not be trusted; `reason` says why. */
export class WebhookSignatureError extends Error {
  readonly code = 'ERR_WEBHOOK_SIGNATURE';
  constructor(
    readonly reason: WebhookSignatureFailure,
    message: string,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** Options of the verification. */
export interface VerifyOptions {
  /** Largest age (or clock skew into the future) of the signature's timestamp, in seconds. Defaults to 300. */
  toleranceSeconds?: number;
  /** The current time in epoch milliseconds, for tests and replays. Defaults to Date.now(). */
  now?: number;
}

function rawText(rawBody: unknown): Buffer {
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8');
  if (Buffer.isBuffer(rawBody)) return rawBody;
  throw new TypeError(
    `webhook signature: rawBody must be the raw request body as a string or Buffer (use express.raw({ type: 'application/json' })), got ${rawBody === null ? 'null' : typeof rawBody}`,
  );
}

function secrets(secret: unknown): string[] {
  const list = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0 || list.some((one) => typeof one !== 'string' || one.length === 0)) {
    throw new TypeError(
      'webhook signature: secret must be a non-empty string (or a list of them, for rotation)',
    );
  }
  return list as string[];
}

function hmac(secret: string, timestamp: number, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/**
 * The signature header value for a body at a time: `t=<unix seconds>,v1=<hex>`. The router signs every
 * delivery attempt afresh, so a retried event carries a recent timestamp.
 */
export function signWebhook(rawBody: string | Buffer, secret: string, timestampSeconds: number): string {
  const [key] = secrets(secret);
  if (!Number.isInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new TypeError(
      `webhook signature: timestampSeconds must be whole unix seconds, got ${timestampSeconds}`,
    );
  }
  return `t=${timestampSeconds},v1=${hmac(key!, timestampSeconds, rawText(rawBody)).toString('hex')}`;
}

/**
 * Checks a webhook and throws a `WebhookSignatureError` (with `reason`) unless the header carries a `v1`
 * signature of `rawBody` by `secret` (any of them, during a rotation) with a timestamp within the tolerance.
 * Comparison is constant-time. Throws a TypeError for programming mistakes (a parsed body, an empty secret).
 */
export function assertWebhookSignature(
  rawBody: string | Buffer,
  header: string | undefined | null,
  secret: string | string[],
  options: VerifyOptions = {},
): void {
  const body = rawText(rawBody);
  const keys = secrets(secret);
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds <= 0) {
    throw new TypeError(
      `webhook signature: option "toleranceSeconds" must be a positive number, got ${toleranceSeconds}`,
    );
  }
  if (typeof header !== 'string' || header.trim() === '') {
    throw new WebhookSignatureError('missing_header', `the ${SIGNATURE_HEADER} header is missing`);
  }
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const key = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new WebhookSignatureError(
      'malformed_header',
      `the ${SIGNATURE_HEADER} header must look like t=<unix seconds>,v1=<64 hex digits>`,
    );
  }
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw new WebhookSignatureError(
      'timestamp_outside_tolerance',
      `the signature's timestamp is ${nowSeconds - timestamp} s away from now (tolerance ${toleranceSeconds} s): a replay or a stale retry`,
    );
  }
  let matched = false;
  for (const key of keys) {
    const expected = hmac(key, timestamp, body);
    for (const signature of signatures) {
      // Every comparison runs, so timing does not reveal which secret or signature matched.
      if (timingSafeEqual(expected, signature)) matched = true;
    }
  }
  if (!matched) {
    throw new WebhookSignatureError('signature_mismatch', 'no v1 signature matches the body and the secret');
  }
}

/**
 * True when the webhook is authentic and recent; false for a missing, malformed, stale or wrong signature.
 * Pass the raw body exactly as received (a string or Buffer), not the parsed JSON.
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  header: string | undefined | null,
  secret: string | string[],
  options: VerifyOptions = {},
): boolean {
  try {
    assertWebhookSignature(rawBody, header, secret, options);
    return true;
  } catch (error) {
    if (error instanceof WebhookSignatureError) return false;
    throw error;
  }
}
