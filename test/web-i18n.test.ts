// Proves the web app's two languages are complete: zh-CN and English have exactly the same keys,
// no empty texts, the same {placeholders}, and English texts contain no Chinese characters.
import { describe, expect, it } from 'vitest';
import { en, translate, zhCN } from '../web/src/lib/messages.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n dictionaries', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  });

  it('have no empty texts and the same placeholders per key', () => {
    for (const key of Object.keys(zhCN) as (keyof typeof zhCN)[]) {
      expect(zhCN[key].trim(), key).not.toBe('');
      expect(en[key].trim(), key).not.toBe('');
      expect(placeholders(en[key]), key).toEqual(placeholders(zhCN[key]));
    }
  });

  it('keep Chinese out of the English texts (except the language switch)', () => {
    const offenders = Object.entries(en).filter(([key, text]) => key !== 'lang.switch' && /[\u4e00-\u9fff]/.test(text));
    expect(offenders).toEqual([]);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate(en, 'import.result', { imported: 3, rejected: 1 })).toBe('3 imported, 1 rows rejected');
    expect(translate(zhCN, 'deposit.daysLeft', { days: 12 })).toBe('剩余 12 天');
    expect(translate(en, 'deposit.daysLeft')).toBe('{days} days left');
  });
});
