// src/review/assets/js/format.js
// Times (local, UTC on hover), ages, counts and money as text; the status line.
/** The instant in UTC, for the title of every time shown in local time. */
function utc(ms) {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
function when(ms) {
  return new Date(ms).toLocaleString();
}
function shortWhen(ms) {
  const options = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  return new Date(ms).toLocaleString(undefined, options);
}
/** A <time> in the reviewer's time zone, with the UTC instant on hover. */
function timeEl(ms, short) {
  const node = el('time', null, short ? shortWhen(ms) : when(ms));
  node.dateTime = new Date(ms).toISOString();
  node.title = utc(ms);
  return node;
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
/** "IDR 30,000,000 given away, IDR 59,850,000 to collect", per currency. */
function moneyText(display) {
  return Object.keys(display || {})
    .sort()
    .map((currency) => `${display[currency].discount} given away, ${display[currency].total} to collect`)
    .join('; ');
}
function say(message, isError) {
  const status = $('status');
  status.textContent = message;
  status.className = isError ? 'status error' : 'status';
}
