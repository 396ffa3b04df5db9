// src/core/messages.ts
// What the shopper is told, in Indonesian and English: honest, friendly, and free of rule details.

/** Languages the shopper-facing texts ship in. */
export const LANGUAGES = ['en', 'id'] as const;
/** One shopper-facing language. */
export type Language = (typeof LANGUAGES)[number];

/** The situations a shopper hears about. */
export type MessageKey = 'held' | 'released' | 'cancelled' | 'unavailable' | 'reused';

/**
 * Shopper-facing texts. They never name the rule or the thresholds (that would teach an abuser the limits),
 * they say what happens next, and they do not blame the shopper: most holds are the shop's own glitches.
 */
export const MESSAGES: Readonly<Record<Language, Readonly<Record<MessageKey, string>>>> = Object.freeze({
  en: Object.freeze({
    held: 'Thank you, we have received your order. We are double-checking its price before we confirm it; you will hear from us shortly, and you will not be charged for anything we cannot confirm.',
    released:
      'Good news: your order has been checked and confirmed. We are preparing it now. Thank you for your patience.',
    cancelled:
      'We are sorry: we could not confirm this order because of a pricing error on our side, so we have cancelled it and any payment will be refunded in full. Your account and payment details are safe.',
    unavailable:
      'We could not place your order just now. Nothing has been charged. Please try again in a moment.',
    reused:
      'This order was changed after it was sent. Nothing has been charged. Please check your cart and place the order again.',
  }),
  id: Object.freeze({
    held: 'Terima kasih, pesanan Anda sudah kami terima. Kami sedang memeriksa ulang harganya sebelum mengonfirmasi; kami akan segera mengabari Anda, dan Anda tidak akan ditagih untuk apa pun yang tidak dapat kami konfirmasi.',
    released:
      'Kabar baik: pesanan Anda sudah kami periksa dan konfirmasi. Pesanan sedang kami siapkan. Terima kasih atas kesabaran Anda.',
    cancelled:
      'Mohon maaf: pesanan ini tidak dapat kami konfirmasi karena kesalahan harga di sistem kami, sehingga kami membatalkannya dan setiap pembayaran akan dikembalikan penuh. Akun dan data pembayaran Anda tetap aman.',
    unavailable:
      'Pesanan Anda belum dapat kami proses saat ini. Tidak ada biaya yang ditagihkan. Silakan coba lagi sebentar lagi.',
    reused:
      'Pesanan ini berubah setelah dikirim. Tidak ada biaya yang ditagihkan. Silakan periksa keranjang Anda dan buat pesanan lagi.',
  }),
});

/** Picks a language from an Accept-Language header, honouring q-values; `fallback` when none matches. */
export function negotiateLanguage(header: string | undefined, fallback: Language = 'en'): Language {
  if (!header) return fallback;
  let best: Language | undefined;
  let bestQ = 0;
  for (const part of header.split(',')) {
    const [tag = '', ...params] = part.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0];
    const qParam = params.find((param) => param.trim().startsWith('q='));
    const q = qParam === undefined ? 1 : Number.parseFloat(qParam.trim().slice(2));
    const language = primary === 'in' ? 'id' : primary; // "in" is the retired ISO 639 code for Indonesian
    if ((LANGUAGES as readonly string[]).includes(language ?? '') && q > bestQ) {
      best = language as Language;
      bestQ = q;
    }
  }
  return best ?? fallback;
}

/** The text for a situation in a language. */
export function shopperMessage(key: MessageKey, language: Language): string {
  return MESSAGES[language][key];
}
