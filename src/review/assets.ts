// src/review/assets.ts
// The review page's static files (./assets), read once; the HTML gets the rule lists, the one server-side value.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULE_IDS } from '../core/types';

/*
 * No framework and no build step. The script never assigns innerHTML: every shopper-controlled value (SKU,
 * voucher code, customer id, note) is written with textContent, and the Content-Security-Policy the router
 * sends forbids inline script, so even a markup injection could not run. The token is pasted once, kept in
 * sessionStorage and sent as an Authorization header (never a cookie), which structurally prevents CSRF.
 */

/** One static file of the page: its body and content type. */
export interface PageAsset {
  body: string;
  type: string;
}

function read(file: string): string {
  return readFileSync(join(__dirname, 'assets', file), 'utf8');
}

let assets: Record<'html' | 'css' | 'js', PageAsset> | undefined;

/** The page, its styles and its script; read from disk on first use and kept. */
export function pageAssets(): Record<'html' | 'css' | 'js', PageAsset> {
  assets ??= {
    html: {
      type: 'html',
      body: read('index.html').replaceAll(
        '<!--RULE_OPTIONS-->',
        RULE_IDS.map((id) => `<option value="${id}">${id.replaceAll('_', ' ')}</option>`).join(''),
      ),
    },
    css: { type: 'text/css', body: read('app.css') },
    js: { type: 'application/javascript', body: read('app.js') },
  };
  return assets;
}
