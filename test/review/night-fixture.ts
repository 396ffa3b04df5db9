// test/review/night-fixture.ts
// The scripted night of the browser test: a leaked payday code (wrong payment methods, then the bank's own cards once
// it tripped), a 100%-off headphone, tampered totals, hostile data and normal traffic, checked through a Guard.

import type { OrderInput } from '../../src/core/order';
import { parsePolicy } from '../../src/core/policy';
import { line, order } from '../helpers/orders';

export const LEAKED = 'GAJIAN50';
export const HOSTILE_SKU = '<img src=x onerror=alert(1)>';
export const HOSTILE_CUSTOMER = '"><script>alert(2)</script>';

/** The policy of the night: the payday code is for one bank's cards and trips past 10 uses in its window. */
export const nightPolicy = parsePolicy({
  vouchers: { [LEAKED]: { paymentMethods: ['card:bni*'], velocity: { maxPerWindow: 10 } } },
});

/** One order of the night, with the minute (from the start) it arrives at. */
export interface NightOrder {
  minute: number;
  input: OrderInput;
}

/** Payment methods of the leak's uses: every fourth is the bank's own card, the rest are e-wallets and QRIS. */
const LEAK_METHODS = ['ewallet:ovo', 'qris', 'ewallet:dana', 'card:bni-visa'];

/** The orders of the night, in arrival order. */
export function night(): NightOrder[] {
  const orders: NightOrder[] = [];
  for (let n = 0; n < 20; n++) {
    orders.push({
      minute: 30 + n,
      input: order({
        orderId: `pay-${String(n).padStart(2, '0')}`,
        customerId: `cus-${4100 + n}`,
        paymentMethod: LEAK_METHODS[n % 4]!,
        lines: [line(n % 3 === 0 ? 'RICE-COOKER' : 'AIR-FRYER', 450_000 + n * 2_500)],
        // Typed by shoppers in every spelling; one is the canonical code.
        vouchers: [{ code: n % 5 === 0 ? 'gajian50' : n % 5 === 1 ? 'Gajian 50' : LEAKED, discount: 50_000 }],
        shipping: 12_000,
      }),
    });
  }
  // The 100%-off headphone: three orders of its own, and one leak order that also had it (the leak's, not its).
  for (let n = 0; n < 3; n++) {
    orders.push({
      minute: 20 + n * 4,
      input: order({
        orderId: `hp-${n}`,
        customerId: `cus-${5200 + n}`,
        paymentMethod: 'card:bca',
        lines: [
          line('HEADPHONE-X1', 1_899_000, 1_899_000),
          ...(n === 1 ? [line('CABLE-USB-C', 89_000)] : []),
        ],
      }),
    });
  }
  orders.push({
    minute: 45.5,
    input: order({
      orderId: 'pay-hp',
      customerId: 'cus-4199',
      paymentMethod: 'ewallet:ovo',
      lines: [line('HEADPHONE-X1', 1_899_000, 1_899_000), line('AIR-FRYER', 450_000)],
      vouchers: [{ code: LEAKED, discount: 50_000 }],
    }),
  });
  // Tampered totals: goods for millions, a few tens of thousands claimed.
  orders.push({
    minute: 52,
    input: order({
      orderId: 'tv-1',
      customerId: 'cus-6001',
      paymentMethod: 'va:mandiri',
      lines: [line('OLED-55', 9_999_000)],
      shipping: 150_000,
      tax: 25_000,
      total: 99_000,
    }),
  });
  orders.push({
    minute: 58,
    input: order({
      orderId: 'tv-2',
      customerId: 'cus-6002',
      paymentMethod: 'va:mandiri',
      lines: [line('OLED-55', 9_999_000), line('WALL-MOUNT', 349_000)],
      total: 120_000,
    }),
  });
  // Hostile data: markup in a SKU and a customer id, shown as text.
  orders.push({
    minute: 61,
    input: order({
      orderId: 'ord-hostile',
      customerId: HOSTILE_CUSTOMER,
      lines: [line(HOSTILE_SKU, 90_000, 90_000)],
    }),
  });
  // Normal traffic, let through.
  for (let n = 0; n < 6; n++) {
    orders.push({
      minute: 3 + n * 11,
      input: order({ orderId: `ok-${n}`, paymentMethod: 'qris', lines: [line('TEA-BOX', 85_000)] }),
    });
  }
  return orders.sort((a, b) => a.minute - b.minute);
}
