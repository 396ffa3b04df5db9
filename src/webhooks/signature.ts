// src/webhooks/signature.ts
// Signs and verifies webhooks as the Standard Webhooks specification says: HMAC-SHA256 over "id.timestamp.body".

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { webhookSecretProblem } from '../core/webhook-contract';

export { webhookSecretProblem };

/**
 * The Standard Webhooks headers every delivery carries (https://www.standardwebhooks.com): the event id (the same
 * on every retry; deduplicate by it), the attempt's time in unix seconds, and `v1,<base64 HMAC-SHA256>` signatures.
 */
export const WEBHOOK_HEADERS = Object.freeze({
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const);

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
  /** Largest age (or clock skew into the future) of the `webhook-timestamp`, in seconds. Defaults to 300. */
  toleranceSeconds?: number;
  /** The current time in epoch milliseconds, for tests and replays. Defaults to Date.now(). */
  now?: number;
}

/**
 * A request's headers: Node's `req.headers` (Express too), a fetch `Headers`, or any object with lower- or
 * mixed-case names.
 */
export type WebhookHeaders =
  | { get(name: string): string | null | undefined }
  | Record<string, string | string[] | undefined>;

/** The three headers of one signed delivery, ready to send. */
export type SignedWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

const SECRET_PREFIX = 'whsec_';

/** A new random secret in the Standard Webhooks format: `whsec_` and the base64 of `bytes` (24 to 64) random bytes. */
export function generateWebhookSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 24 || bytes > 64) {
    throw new TypeError(`generateWebhookSecret: bytes must be a whole number from 24 to 64, got ${bytes}`);
  }
  return `${SECRET_PREFIX}${randomBytes(bytes).toString('base64')}`;
}

function rawText(rawBody: unknown): Buffer {
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8');
  if (Buffer.isBuffer(rawBody)) return rawBody;
  throw new TypeError(
    `webhook signature: rawBody must be the raw request body as a string or Buffer (use express.raw({ type: 'application/json' })), got ${rawBody === null ? 'null' : typeof rawBody}`,
  );
}

function keys(secret: unknown): Buffer[] {
  const list = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0) {
    throw new TypeError(
      'webhook signature: secret must be a "whsec_..." string (or a list of them, for rotation)',
    );
  }
  return list.map((one) => {
    const problem = webhookSecretProblem(one);
    if (problem) throw new TypeError(`webhook signature: secret ${problem}`);
    return Buffer.from((one as string).slice(SECRET_PREFIX.length), 'base64');
  });
}

function hmac(key: Buffer, id: string, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null | undefined }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  return Array.isArray(value) ? value[0] : value;
}

function checkHeaders(headers: unknown): WebhookHeaders {
  if (
    typeof headers === 'string' ||
    headers === undefined ||
    headers === null ||
    typeof headers !== 'object'
  ) {
    throw new TypeError(
      'webhook signature: pass the request headers (req.headers, or a fetch Headers), not one header value: webhooks carry webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks; the Checkout-Price-Guard-Signature header is gone)',
    );
  }
  return headers as WebhookHeaders;
}

/**
 * The headers of one delivery: `webhook-id` (the event id), `webhook-timestamp` and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret, space-separated). The outbox signs every
 * attempt afresh, so a retried event carries a recent timestamp and the same id.
 */
export function signWebhook(
  rawBody: string | Buffer,
  secret: string | string[],
  attempt: { id: string; timestampSeconds: number },
): SignedWebhookHeaders {
  const keyList = keys(secret);
  const { id, timestampSeconds } = attempt ?? ({} as { id: string; timestampSeconds: number });
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
    throw new TypeError(
      `webhook signature: id must be 1-128 letters, digits, "_" or "-" (no "."), got ${JSON.stringify(id)}`,
    );
  }
  if (!Number.isInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new TypeError(
      `webhook signature: timestampSeconds must be whole unix seconds, got ${timestampSeconds}`,
    );
  }
  const body = rawText(rawBody);
  const timestamp = String(timestampSeconds);
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': keyList
      .map((key) => `v1,${hmac(key, id, timestamp, body).toString('base64')}`)
      .join(' '),
  };
}

/**
 * Checks a webhook and throws a `WebhookSignatureError` (with `reason`) unless its headers carry a `v1` signature
 * of `webhook-id`, `webhook-timestamp` and `rawBody` by `secret` (any of them, during a rotation), with a timestamp
 * within the tolerance. Comparison is constant-time. Throws a TypeError for programming mistakes (a parsed body, a
 * secret that is not `whsec_...`, one header value instead of the headers).
 */
export function assertWebhookSignature(
  rawBody: string | Buffer,
  headers: WebhookHeaders,
  secret: string | string[],
  options: VerifyOptions = {},
): void {
  const body = rawText(rawBody);
  const given = checkHeaders(headers);
  const keyList = keys(secret);
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds <= 0) {
    throw new TypeError(
      `webhook signature: option "toleranceSeconds" must be a positive number, got ${toleranceSeconds}`,
    );
  }
  const id = header(given, WEBHOOK_HEADERS.id);
  const timestamp = header(given, WEBHOOK_HEADERS.timestamp);
  const signature = header(given, WEBHOOK_HEADERS.signature);
  for (const [name, value] of [
    [WEBHOOK_HEADERS.id, id],
    [WEBHOOK_HEADERS.timestamp, timestamp],
    [WEBHOOK_HEADERS.signature, signature],
  ] as const) {
    if (value === undefined || value.trim() === '') {
      throw new WebhookSignatureError('missing_header', `the ${name} header is missing`);
    }
  }
  if (!/^\d{1,12}$/.test(timestamp!.trim())) {
    throw new WebhookSignatureError(
      'malformed_header',
      `the ${WEBHOOK_HEADERS.timestamp} header must be whole unix seconds`,
    );
  }
  const signatures: Buffer[] = [];
  for (const part of signature!.trim().split(/\s+/)) {
    const comma = part.indexOf(',');
    if (comma <= 0 || part.slice(0, comma) !== 'v1') continue; // other schemes (v1a) are not ours
    const decoded = Buffer.from(part.slice(comma + 1), 'base64');
    if (decoded.length === 32) signatures.push(decoded);
  }
  if (signatures.length === 0) {
    throw new WebhookSignatureError(
      'malformed_header',
      `the ${WEBHOOK_HEADERS.signature} header must hold "v1,<base64 HMAC-SHA256>" signatures, separated by spaces`,
    );
  }
  const seconds = Number(timestamp!.trim());
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - seconds) > toleranceSeconds) {
    throw new WebhookSignatureError(
      'timestamp_outside_tolerance',
      `the webhook's timestamp is ${nowSeconds - seconds} s away from now (tolerance ${toleranceSeconds} s): a replay or a stale retry`,
    );
  }
  let matched = false;
  for (const key of keyList) {
    const expected = hmac(key, id!, timestamp!.trim(), body);
    for (const candidate of signatures) {
      // Every comparison runs, so timing does not reveal which secret or signature matched.
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  if (!matched) {
    throw new WebhookSignatureError(
      'signature_mismatch',
      'no v1 signature matches the id, timestamp, body and secret',
    );
  }
}

/**
 * True when the webhook is authentic and recent; false for missing, malformed, stale or wrong signature headers.
 * Pass the raw body exactly as received (a string or Buffer), not the parsed JSON, and the request's headers.
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  headers: WebhookHeaders,
  secret: string | string[],
  options: VerifyOptions = {},
): boolean {
  try {
    assertWebhookSignature(rawBody, headers, secret, options);
    return true;
  } catch (error) {
    if (error instanceof WebhookSignatureError) return false;
    throw error;
  }
}
