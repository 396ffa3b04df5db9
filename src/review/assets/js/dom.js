// src/review/assets/js/dom.js
// Element helpers: text goes in with textContent only, so data never becomes markup.

/** Creates an element whose text is set with textContent: data never becomes markup. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
function button(text, className, onClick) {
  const node = el('button', className, text);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}
function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}
/** A table body's only row when it has nothing to show: one cell across `columns`, with `text`. */
function emptyRow(body, columns, text) {
  const row = el('tr', 'empty-row');
  const cell = el('td', 'empty', text);
  cell.colSpan = columns;
  row.appendChild(cell);
  body.appendChild(row);
}
/** A label and its value for an amount: the label is shown where no column heading names the amount (phones). */
function labelled(label, value, className) {
  const node = el('span', className);
  node.appendChild(el('span', 'amount-label', `${label} `));
  node.appendChild(el('span', 'amount', value));
  return node;
}
/** True on the phone layout (one column). */
function isPhone() {
  return window.matchMedia('(max-width: 760px)').matches;
}
