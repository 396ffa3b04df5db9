// src/review/assets/js/format.js
// Times in one format in the shop's time zone (UTC on hover), ages, counts and money as text; status messages.

const ZONE_PARTS = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The wall-clock parts of an instant in the shop's time zone, as numbers. */
function zoneParts(ms) {
  const parts = {};
  for (const part of ZONE_PARTS.formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts;
}

/** Minutes the shop's time zone is ahead of UTC at an instant. */
function zoneOffsetMinutes(ms) {
  const p = zoneParts(ms);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60000);
}

function pad(value) {
  return String(value).padStart(2, '0');
}

/** "UTC+07:00": the shop's offset now. */
function offsetText(ms) {
  const minutes = zoneOffsetMinutes(ms);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The one time format of the page: "2026-12-07 17:46", in the shop's time zone. */
function when(ms) {
  const p = zoneParts(ms);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour % 24)}:${pad(p.minute)}`;
}

/** The instant in UTC, for the title of every time shown. */
function utc(ms) {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** A <time> in the shop's time zone, with the UTC instant on hover. */
function timeEl(ms) {
  const node = el('time', null, when(ms));
  node.dateTime = new Date(ms).toISOString();
  node.title = utc(ms);
  return node;
}

/** A time typed as the page shows them ("2026-12-07 08:00"), read in the shop's time zone, as epoch ms. */
function zonedToEpoch(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return undefined;
  const wall = Date.UTC(
    Number(match[1]),
    Number(match[2]) - 1,
    Number(match[3]),
    Number(match[4]),
    Number(match[5]),
  );
  let ms = wall - zoneOffsetMinutes(wall) * 60000;
  ms = wall - zoneOffsetMinutes(ms) * 60000; // once more, for a time near a change of offset
  return ms;
}

function age(ms) {
  const minutes = Math.max(0, Math.round((Date.now() - ms) / 60000));
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 2880) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} days`;
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** "IDR 30,000,000 unpaid" per currency, with the overcharge when there is one. */
function stakeText(display, money) {
  return Object.keys(display || {})
    .sort()
    .map((currency) => {
      const shown = display[currency];
      const over = money?.[currency]?.overcharge > 0 ? `, ${shown.overcharge} overcharged` : '';
      return `${shown.exposure} unpaid${over}`;
    })
    .join('; ');
}

/** A payment method as shown: "(none given)" for an order that named none. */
function methodText(method) {
  return method === '' ? '(none given)' : method;
}

/**
 * An identifier as the order spells it (`shown`, from the server's display), followed by its canonical form in
 * brackets when the two differ: "card:bni-visa (CARD:BNI-VISA)". `format` turns a canonical value into text.
 */
function spelledText(shown, canonical, format = (value) => value) {
  if (!shown || shown === canonical) return format(canonical);
  return `${shown} (${format(canonical)})`;
}

/** Writes a message where the reviewer is: the status line of `pane` (the active one by default). */
function say(message, isError, pane) {
  const target = $({ incidents: 'i-status', trips: 't-status', list: 'l-status' }[pane || state.pane]);
  for (const id of ['i-status', 't-status', 'l-status']) if ($(id) !== target) $(id).textContent = '';
  target.textContent = message;
  target.className = isError ? 'pane-status error' : 'pane-status';
  // In view, where the reviewer is: never in a status bar scrolled away.
  if (target.scrollIntoView) target.scrollIntoView({ block: 'nearest' });
}

/** A message about the page itself (signing in, the token), in the status line under the header. */
function sayGlobal(message, isError) {
  const status = $('status');
  status.textContent = message;
  status.className = isError ? 'status error' : 'status';
}
