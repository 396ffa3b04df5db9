// src/review/assets/js/detail.js
// The selected order: why it was held, its amounts (reconciled to the total), facts, lines and history; claim,
// approve, reject (with its own note), accept a new price.

function fact(list, label, value) {
  list.appendChild(el('dt', null, label));
  const cell = el('dd');
  if (typeof value === 'object' && value !== null) cell.appendChild(value);
  else cell.textContent = value;
  list.appendChild(cell);
}

/** One row of the amounts table: a label, a sign and a formatted amount. */
function amountRow(table, label, sign, value, className) {
  const row = el('tr', className);
  row.appendChild(el('th', null, label));
  row.appendChild(el('td', 'sign', sign));
  row.appendChild(el('td', 'num', value));
  table.appendChild(row);
}

/** How the total follows from the parts, so a reviewer can check it: list value down to what the order pays. */
function amountsTable(held) {
  const shown = held.display;
  const table = el('table', 'amounts');
  const caption = el('caption', null, 'How the total adds up');
  table.appendChild(caption);
  amountRow(table, 'List value of the lines', '', shown.listValue);
  amountRow(table, 'Line discounts', '−', shown.lineDiscounts);
  amountRow(table, 'Voucher discounts', '−', shown.voucherDiscounts);
  amountRow(table, 'Shipping', '+', shown.shipping);
  amountRow(table, 'Shipping discount', '−', shown.shippingDiscount);
  amountRow(table, 'Tax', '+', shown.tax);
  amountRow(table, 'Total from these parts', '=', shown.recomputedTotal, 'subtotal');
  amountRow(table, 'Total the order pays', '', shown.total, 'claimed');
  if (held.exposure > held.discount) {
    amountRow(table, 'Shortfall nobody explains', '', shown.shortfall, 'alarm');
  }
  if (held.overcharge > 0)
    amountRow(table, 'Overcharged (the shopper pays too much)', '', shown.overcharge, 'alarm');
  amountRow(table, 'At stake (discounts and what is left unpaid)', '', shown.exposure, 'stake-row');
  return table;
}

async function renderDetail() {
  const pane = $('detail');
  clear(pane);
  const held = current();
  const back = button('← Back to the list', 'back phone-only', closeDetail);
  if (!held) {
    pane.appendChild(el('p', 'hint', 'Select an order with j / k or a click.'));
    if (state.detailOpen) closeDetail();
    return;
  }
  pane.appendChild(back);
  const title = el('h2', 'mono', held.orderId);
  title.appendChild(el('span', `badge ${held.status}`, held.status));
  pane.appendChild(title);

  const stake = el('p', 'stake');
  stake.appendChild(el('span', null, 'Leaves '));
  stake.appendChild(el('strong', null, held.display.exposure));
  stake.appendChild(el('span', null, ` unpaid of ${held.display.listValue} listed; pays `));
  stake.appendChild(el('strong', 'pays', held.display.total));
  if (held.overcharge > 0)
    stake.appendChild(el('span', 'overcharge', `; overcharges ${held.display.overcharge}`));
  pane.appendChild(stake);

  pane.appendChild(el('h3', null, 'Why it was held'));
  const reasons = el('ul', 'reasons');
  held.decision.reasons.forEach((reason, index) => {
    const item = el('li');
    const shown = held.display.reasons[index] || {};
    item.appendChild(el('p', null, shown.message || reason.message));
    const numbers = el('p', 'numbers');
    numbers.appendChild(el('span', 'rule', reason.rule + (reason.mode === 'shadow' ? ' (shadow)' : '')));
    if (shown.observed !== undefined) numbers.appendChild(el('span', null, `observed ${shown.observed}`));
    if (shown.limit !== undefined) numbers.appendChild(el('span', null, `limit ${shown.limit}`));
    if (reason.sku) numbers.appendChild(el('span', 'mono', `SKU ${shown.sku || reason.sku}`));
    item.appendChild(numbers);
    const offer = held.status === 'pending' ? priceOffer(held, reason, shown) : undefined;
    if (offer) item.appendChild(priceButton(offer));
    reasons.appendChild(item);
  });
  pane.appendChild(reasons);

  pane.appendChild(amountsTable(held));

  const facts = el('dl', 'facts');
  fact(facts, 'Customer', held.order.customerId || '(none given)');
  // As the storefront spelled them, with the canonical form filters and bulk actions use when it differs.
  fact(
    facts,
    'Payment method',
    spelledText(held.display.paymentMethod, held.order.paymentMethod, methodText),
  );
  if (held.order.vouchers.length > 0) {
    // As the shopper typed them; the canonical code is what filters and bulk actions use.
    fact(
      facts,
      'Vouchers',
      held.order.vouchers
        .map((voucher, index) => spelledText(held.display.vouchers[index]?.code, voucher.code))
        .join(', '),
    );
  }
  fact(facts, 'Incident', `${KIND_LABEL[held.cause.kind]} ${held.cause.key}`);
  fact(facts, 'Held at', timeEl(held.heldAt));
  fact(facts, 'Claimed by', held.assignee || 'nobody');
  if (held.resolution) {
    const decided = el('span', null, `${held.resolution.by}, `);
    decided.appendChild(timeEl(held.resolution.at));
    fact(facts, 'Decided', decided);
    fact(facts, 'Note', held.resolution.note || '');
  }
  pane.appendChild(facts);

  const lines = el('table', 'lines');
  lines.appendChild(el('caption', null, 'Lines'));
  const head = el('tr');
  for (const name of ['SKU', 'Qty', 'Unit price', 'Line discount']) {
    const cell = el('th', name === 'SKU' ? null : 'num', name);
    cell.scope = 'col';
    head.appendChild(cell);
  }
  lines.appendChild(head);
  held.order.lines.forEach((orderLine, index) => {
    const row = el('tr');
    const shown = held.display.lines[index] || {};
    row.appendChild(el('td', 'mono', spelledText(shown.sku, orderLine.sku)));
    row.appendChild(el('td', 'num', orderLine.quantity));
    row.appendChild(el('td', 'num', shown.unitPrice));
    row.appendChild(el('td', 'num', shown.discount));
    lines.appendChild(row);
  });
  pane.appendChild(lines);

  if (held.status === 'pending') {
    const actions = el('div', 'actions');
    const label = el('label', 'note-label', 'Note on this order (required to reject; in the audit trail)');
    const note = el('textarea');
    note.id = 'note';
    note.maxLength = 2000;
    label.appendChild(note);
    actions.appendChild(label);
    const buttons = el('div', 'buttons');
    buttons.appendChild(button('Claim (c)', null, () => act('claim')));
    buttons.appendChild(button('Approve (a)', 'approve', () => act('approve')));
    buttons.appendChild(button('Reject (r)', 'reject', () => act('reject')));
    actions.appendChild(buttons);
    pane.appendChild(actions);
  }

  pane.appendChild(el('h3', null, 'History of this order'));
  const trail = el('ol', 'trail');
  pane.appendChild(trail);
  try {
    const detail = await api('GET', `holds/${encodeURIComponent(held.orderId)}`);
    if (current() === held) renderAudit(trail, detail.audit);
  } catch (error) {
    trail.appendChild(el('li', 'error', error.message));
  }
}

/**
 * Claims, approves or rejects the selected order, with the note written in this order's own note field (never the
 * incident form's), on the version shown.
 */
async function act(action) {
  const held = current();
  if (held?.status !== 'pending') return;
  const noteField = $('note');
  const note = noteField ? noteField.value.trim() : '';
  if (action === 'reject' && !note) {
    say(
      `A note is required to reject ${held.orderId}: write it in this order's note, then press Reject.`,
      true,
      'list',
    );
    if (noteField) noteField.focus();
    return;
  }
  try {
    const path = `holds/${encodeURIComponent(held.orderId)}/${action}`;
    const body = action === 'claim' ? {} : { note, expectedVersion: held.version };
    const result = await api('POST', path, body);
    say(`${held.orderId}: ${action === 'claim' ? 'claimed' : result.held.status}.`, false, 'list');
  } catch (error) {
    say(`${held.orderId}: ${error.message}`, true, 'list');
  }
  await refresh();
}

/** The rules that judge a line by the SKU's recent prices: on-call may accept the price they held. */
const HISTORY_RULES = ['below_recent_price', 'above_recent_price'];

/**
 * What "Accept new price" offers for a reason a history rule gave about one line: the net unit price paid,
 * floor((unit price × quantity − discount) / quantity) in minor units, exactly (BigInt), in the order's currency.
 */
function priceOffer(held, reason, shown) {
  const orderLine = Number.isInteger(reason.line) ? held.order.lines[reason.line] : undefined;
  if (!HISTORY_RULES.includes(reason.rule) || !orderLine || !(orderLine.quantity >= 1)) return undefined;
  const quantity = BigInt(orderLine.quantity);
  const paid = BigInt(orderLine.unitPrice) * quantity - BigInt(orderLine.discount || 0);
  const unitPrice = Number(paid / quantity);
  if (!(unitPrice >= 1)) return undefined;
  // The rule's observed price is this same number, formatted by the server like every amount on the page.
  const price =
    reason.observed === unitPrice && shown.observed
      ? shown.observed
      : `${held.currency} ${unitPrice} (minor units)`;
  const key = `${held.orderId}:${reason.line}`;
  // `sku` is canonical (the API path); `shownSku` the order's spelling, for sentences.
  const shownSku = held.display.lines[reason.line]?.sku || orderLine.sku;
  return { key, sku: orderLine.sku, shownSku, currency: held.currency, unitPrice, price };
}

/** Each "Accept new price" button's offer, to relabel them all when one is pressed. */
const PRICE_OFFERS = new WeakMap();

function priceButton(offer) {
  const node = button('', null, () => acceptPrice(offer, node));
  node.dataset.key = offer.key;
  PRICE_OFFERS.set(node, offer);
  labelPriceButton(node, offer);
  return node;
}

function labelPriceButton(node, offer) {
  const armed = state.accepting === offer.key;
  node.textContent = armed
    ? `Confirm: accept ${offer.price} for ${offer.shownSku}`
    : `Accept new price ${offer.price}`;
  node.className = `admin-only accept-price${armed ? ' reject' : ''}`;
}

/** Accepts a line's price as the SKU's new price (admin): the first press asks, the second one accepts. */
async function acceptPrice(offer, node) {
  if (state.me?.role !== 'admin') {
    say('Accepting a new price needs the admin role.', true, 'list');
    return;
  }
  if (state.accepting !== offer.key) {
    state.accepting = offer.key;
    for (const other of document.querySelectorAll('#detail button.accept-price')) {
      labelPriceButton(other, PRICE_OFFERS.get(other));
    }
    say(
      `Press again to accept ${offer.price} as the price of ${offer.shownSku}: orders at it stop being held as a price change.`,
      false,
      'list',
    );
    return;
  }
  state.accepting = null;
  labelPriceButton(node, offer);
  try {
    await api('POST', `skus/${encodeURIComponent(offer.sku)}/accept-price`, {
      currency: offer.currency,
      unitPrice: offer.unitPrice,
    });
    say(
      `${offer.price} accepted as the price of ${offer.shownSku}: its next orders at that price are not held for it.`,
      false,
      'list',
    );
  } catch (error) {
    say(`SKU ${offer.shownSku}: ${error.message}`, true, 'list');
  }
  await refresh();
}

/** The p key: presses the armed "Accept new price" button of the selected order, else its first one. */
function acceptPriceKey() {
  const buttons = [...document.querySelectorAll('#detail button.accept-price')];
  const target = buttons.find((node) => node.dataset.key === state.accepting) || buttons[0];
  if (target) target.click();
  else say('No line of this order was held by a price-history rule: no price to accept.', true, 'list');
}
