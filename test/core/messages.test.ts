// test/core/messages.test.ts
// Shopper texts: language negotiation from Accept-Language, and texts that never leak rule details.

import { LANGUAGES, MESSAGES, negotiateLanguage } from '../../src/core/messages';
import { RULE_IDS } from '../../src/core/types';

describe('negotiateLanguage', () => {
  it.each([
    [undefined, 'en'],
    ['id', 'id'],
    ['id-ID,id;q=0.9,en-US;q=0.8', 'id'],
    ['en-US,en;q=0.9,id;q=0.8', 'en'],
    ['fr-FR, id;q=0.5', 'id'],
    ['in', 'id'],
    ['fr, de', 'en'],
    ['en;q=0.2, id;q=0.7', 'id'],
  ])('%s -> %s', (header, expected) => {
    expect(negotiateLanguage(header)).toBe(expected);
  });

  it('falls back to the configured language', () => {
    expect(negotiateLanguage('ja', 'id')).toBe('id');
  });
});

describe('MESSAGES', () => {
  it('has every text in every language and names no rule', () => {
    for (const language of LANGUAGES) {
      for (const key of ['held', 'released', 'cancelled', 'unavailable'] as const) {
        const text = MESSAGES[language][key];
        expect(text.length).toBeGreaterThan(20);
        for (const rule of RULE_IDS) expect(text).not.toContain(rule);
      }
    }
  });
});
