// Proves the import file readers and row checks: CSV line numbers for broken lines, header
// aliases, JSON shapes, and per-row errors (malformed SN/key, unknown model, duplicates in the file).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRowShapes, parseCsv, parseJson } from './terminal-import.js';

const k = 'ab'.repeat(32);

describe('parseCsv', () => {
  it('reads rows with their line numbers and reports broken lines', () => {
    const text = ['sn,model_code,factory_key', `A0001,M1,${k}`, '', `A0002,M1`, `"A0003,M1,${k}`].join('\n');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual({ line: 2, row: { sn: 'A0001', modelCode: 'M1', factoryKey: k } });
    expect(rows[1]).toMatchObject({ line: 4, sn: 'A0002' });
    expect(rows[2]).toMatchObject({ line: 5 });
    expect('error' in rows[2]!).toBe(true);
    expect(rows).toHaveLength(3);
  });

  it('returns nothing for an empty file', () => {
    expect(parseCsv('')).toEqual([]);
  });
});

describe('parseJson', () => {
  it('takes an array or {terminals}, and reports rows of the wrong shape', () => {
    expect(parseJson(JSON.stringify({ terminals: [{ sn: 'A0001', modelCode: 'M1', factoryKey: k }] })))
      .toEqual([{ line: 1, row: { sn: 'A0001', modelCode: 'M1', factoryKey: k } }]);
    expect(parseJson(JSON.stringify([{ sn: 'A0001' }]))[0]).toMatchObject({ line: 1, sn: 'A0001' });
    expect(() => parseJson('{"x":1}')).toThrow();
  });
});

describe('checkRowShapes', () => {
  const models = new Set(['M1']);
  it.each([
    [{ sn: 'A0001', modelCode: 'M1', factoryKey: k }, null],
    [{ sn: 'A0001', modelCode: 'M1', factoryKey: k.toUpperCase() }, null],
    [{ sn: 'a b', modelCode: 'M1', factoryKey: k }, 'malformed_sn'],
    [{ sn: 'A0001', modelCode: 'M2', factoryKey: k }, 'unknown_model'],
    [{ sn: 'A0001', modelCode: 'M1', factoryKey: k.slice(2) }, 'malformed_factory_key'],
    [{ sn: 'A0001', modelCode: 'M1', factoryKey: `${k.slice(2)}zz` }, 'malformed_factory_key'],
  ])('%o → %s', (row, expected) => {
    expect(checkRowShapes([row], models)).toEqual([expected]);
  });

  it('rejects every repeat of an SN after the first', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('S0001', 'S0002', 'S0003'), { maxLength: 30 }), (list) => {
      const errors = checkRowShapes(list.map((sn) => ({ sn, modelCode: 'M1', factoryKey: k })), models);
      expect(errors.filter((e) => e === null)).toHaveLength(new Set(list).size);
      list.forEach((sn, i) => expect(errors[i]).toBe(list.indexOf(sn) === i ? null : 'duplicate_sn_in_file'));
    }));
  });
});
