// Proves the wizard's server record fills only the fields the user has not touched, leaf by leaf.
import { describe, expect, it } from 'vitest';
import { untouchedFields } from '../web/src/lib/form-fields.js';

describe('untouchedFields', () => {
  const record = { legalName: '老王面馆', phone: '13800138000', address: { city: '北京市', line: '1号' }, tags: ['a'] };

  it('returns every leaf when nothing is touched', () => {
    expect(untouchedFields(record, () => false)).toEqual([
      { name: ['legalName'], value: '老王面馆' },
      { name: ['phone'], value: '13800138000' },
      { name: ['address', 'city'], value: '北京市' },
      { name: ['address', 'line'], value: '1号' },
      { name: ['tags'], value: ['a'] },
    ]);
  });

  it('leaves out touched fields, also inside a group', () => {
    const touched = new Set(['legalName', 'address.line']);
    const fields = untouchedFields(record, (path) => touched.has(path.join('.')));
    expect(fields.map((f) => f.name.join('.'))).toEqual(['phone', 'address.city', 'tags']);
  });
});
