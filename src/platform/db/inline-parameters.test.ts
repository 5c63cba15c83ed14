// Proves the placeholder rewriting of inline-parameters.ts: placeholders are replaced only outside
// quotes, identifiers, dollar quotes and comments, and values are quoted as the driver sends them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inlineParameters, sqlLiteral } from './inline-parameters.js';

describe('sqlLiteral', () => {
  it('quotes values the way the driver converts parameters', () => {
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(undefined)).toBe('NULL');
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b')).toBe(" E'a\\\\b'");
    expect(sqlLiteral(42)).toBe("'42'");
    expect(sqlLiteral(true)).toBe("'true'");
    expect(sqlLiteral(['a', 'b,c'])).toBe(`'{"a","b,c"}'`);
    expect(sqlLiteral({ a: 1 })).toBe(`'{"a":1}'`);
    expect(sqlLiteral(Buffer.from([1, 255]))).toBe(" E'\\\\x01ff'");
    expect(sqlLiteral(new Date('2026-01-15T04:00:00.000Z'))).toMatch(/^'2026-01-1[45]T\d\d:00:00\.000[+-]\d\d:\d\d'$/);
  });
});

describe('inlineParameters', () => {
  it('replaces placeholders, longest number first, and leaves quoted text and comments alone', () => {
    const params = Array.from({ length: 12 }, (_, i) => `v${i + 1}`);
    expect(inlineParameters('select $1, $12, $2', params)).toBe("select 'v1', 'v12', 'v2'");
    expect(inlineParameters(`select '$1', "$2", $1 -- $3\n, /* $4 */ $3`, params)).toBe(`select '$1', "$2", 'v1' -- $3\n, /* $4 */ 'v3'`);
    expect(inlineParameters(`select 'it''s $1', E'\\' $2', $2`, params)).toBe(`select 'it''s $1', E'\\' $2', 'v2'`);
    expect(inlineParameters('select $$ $1 $$, $tag$ $2 $tag$, $3', params)).toBe("select $$ $1 $$, $tag$ $2 $tag$, 'v3'");
    expect(inlineParameters('select a$1, $1', params)).toBe("select a$1, 'v1'");
    expect(inlineParameters('select 1', [])).toBe('select 1');
  });

  it('refuses a placeholder without a parameter', () => {
    expect(() => inlineParameters('select $2', ['x'])).toThrow(/\$2 but has 1/);
  });

  it('replaces exactly the placeholders between quoted pieces, whatever they contain', () => {
    // (A placeholder right after a name would belong to it: `text$1` is one identifier.)
    const quoted = fc.string().map((s) => `'${s.replace(/'/g, "''")}'`);
    const piece = fc.oneof(quoted, fc.constantFrom(' + ', ', ', ' = ', '::text ', ' and '));
    fc.assert(fc.property(fc.array(fc.oneof(piece, fc.constant('$1'), fc.constant('$2'))), (parts) => {
      const sql = `select ${parts.join('')}`;
      const expected = `select ${parts.map((p) => (p === '$1' ? "'one'" : p === '$2' ? "'two'" : p)).join('')}`;
      expect(inlineParameters(sql, ['one', 'two'])).toBe(expected);
    }));
  });
});
