// src/vendure/peer.ts
// Loaded first by the `checkout-price-guard/vendure` entry: without Vendure installed, say so in one line.

try {
  require.resolve('@vendure/core');
} catch {
  throw new Error(
    'checkout-price-guard/vendure needs @vendure/core 3 installed beside it (the Vendure server it plugs into): npm install @vendure/core',
  );
}
