// src/review/assets.ts
// The review page's static files (./assets), read once; the HTML gets the shop's time zone and the built-in rule ids
// (suggestions for the rule filter), its only server-side values.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULE_IDS } from '../core/types';

/*
 * No framework and no build step. The script never assigns innerHTML: every shopper-controlled value (SKU,
 * voucher code, customer id, note) is written with textContent, and the Content-Security-Policy the router
 * sends forbids inline script, so even a markup injection could not run. The token is pasted once, kept in
 * sessionStorage and sent as an Authorization header (never a cookie), which structurally prevents CSRF.
 *
 * The script and the styles are kept in parts by concern (assets/js, assets/css) and served as one file each,
 * joined here once in the order below. The script's parts are the body of one closure: they share its
 * variables (state, $, el, api...), so the page sees exactly one script, as if it were written in one file.
 */

/** The parts of /review/app.js, in order, from assets/js. */
export const SCRIPT_PARTS = [
  'state.js',
  'dom.js',
  'format.js',
  'api.js',
  'panes.js',
  'incidents.js',
  'trips.js',
  'lists.js',
  'detail.js',
  'bulk.js',
  'live.js',
  'keyboard.js',
  'boot.js',
] as const;

/** The parts of /review/app.css, in order (the cascade follows it), from assets/css. */
export const STYLE_PARTS = [
  'layout.css',
  'forms.css',
  'list.css',
  'detail.css',
  'incidents.css',
  'trips.css',
  'phone.css',
] as const;

const SCRIPT_HEAD =
  '// /review/app.js: src/review/assets/js/*.js joined by src/review/assets.ts\n' +
  '// The review page script: incidents by cause, the queue, live updates; text via DOM APIs only, keyboard-first.\n';
const STYLE_HEAD =
  '/* /review/app.css: src/review/assets/css/*.css joined by src/review/assets.ts */\n' +
  "/* The review page styles (no inline styles: the CSP allows only 'self'). */\n";

/** One static file of the page: its body and content type. */
export interface PageAsset {
  body: string;
  type: string;
}

function read(file: string): string {
  return readFileSync(join(__dirname, 'assets', file), 'utf8');
}

/** A part without its two header lines (its path and purpose, which are for the source tree, not the page). */
function part(file: string, comment: RegExp): string {
  const lines = read(file).split('\n');
  if (!comment.test(lines[0] ?? '') || !comment.test(lines[1] ?? '')) {
    throw new Error(`review page part ${file} must start with its path and purpose comments`);
  }
  return lines.slice(2).join('\n');
}

/** The script: its parts, each line indented, as the body of one arrow function called at once. */
function script(): string {
  // Only whitespace is added, at line starts: the parts hold no multi-line template literal.
  const body = SCRIPT_PARTS.map((file) => part(`js/${file}`, /^\/\/ /).replace(/^(?=.)/gm, '  ')).join('');
  return `${SCRIPT_HEAD}(() => {\n${body}})();\n`;
}

function styles(): string {
  return STYLE_HEAD + STYLE_PARTS.map((file) => part(`css/${file}`, /^\/\* .* \*\/$/)).join('');
}

/** The page's icon: a shield, so the browser does not ask for a /favicon.ico that is not there. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1 2 3.5v4C2 11 4.6 14 8 15c3.4-1 6-4 6-7.5v-4Z" fill="#1f5fbf"/></svg>\n';

let shared: { html: string; css: PageAsset; js: PageAsset; icon: PageAsset } | undefined;

/** Escapes text for an HTML attribute value. */
function attribute(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * The page (for a shop in `timeZone`), its styles, its script and its icon; the files are read from disk on first
 * use and kept.
 */
export function pageAssets(timeZone = 'UTC'): Record<'html' | 'css' | 'js' | 'icon', PageAsset> {
  shared ??= {
    html: read('index.html').replaceAll(
      '<!--RULE_IDS-->',
      RULE_IDS.map((id) => `<option value="${id}"></option>`).join(''),
    ),
    css: { type: 'text/css', body: styles() },
    js: { type: 'application/javascript', body: script() },
    icon: { type: 'image/svg+xml', body: FAVICON },
  };
  return {
    html: { type: 'html', body: shared.html.replaceAll('<!--TIME_ZONE-->', attribute(timeZone)) },
    css: shared.css,
    js: shared.js,
    icon: shared.icon,
  };
}
