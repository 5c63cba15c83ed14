// Turns a parameterized statement (`$1`, `$2`, … as Kysely and the `sql` tag write them) into one
// with the values written in as quoted literals, so several statements can travel in one simple
// query (see coalescing-pool.ts). Each value is converted exactly as the `pg` driver converts a bound
// parameter (its own prepareValue: dates, arrays, JSON, buffers) and then quoted with its
// escapeLiteral; a bound parameter of unknown type and a quoted literal are resolved by PostgreSQL
// from their context in the same way. Placeholders inside quoted strings, quoted identifiers,
// dollar-quoted bodies and comments are left alone.
import { createRequire } from 'node:module';
import pg from 'pg';

const require = createRequire(import.meta.url);
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): string | Buffer | null };

/** One value as a SQL literal: NULL, or the driver's text form quoted. */
export function sqlLiteral(value: unknown): string {
  const prepared = prepareValue(value);
  if (prepared === null || prepared === undefined) return 'NULL';
  if (Buffer.isBuffer(prepared)) return pg.escapeLiteral(`\\x${prepared.toString('hex')}`);
  return pg.escapeLiteral(String(prepared));
}

/** `sql` with every `$n` placeholder outside quotes and comments replaced by the literal of `parameters[n - 1]`. */
export function inlineParameters(sql: string, parameters: readonly unknown[]): string {
  if (parameters.length === 0) return sql;
  let out = '';
  let i = 0;
  const n = sql.length;
  // Whether the text just before continues an identifier (`a$1` is a name, not a placeholder).
  let inIdentifier = false;
  const copyUntil = (end: number, identifier = false) => { out += sql.slice(i, end); i = end; inIdentifier = identifier; };
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // A quoted string or identifier; a doubled quote stays inside. E'…' strings may escape a quote with a backslash.
      const escapes = c === "'" && i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !/[\w$]/.test(sql[i - 2] ?? ' ');
      let j = i + 1;
      while (j < n) {
        if (escapes && sql[j] === '\\') { j += 2; continue; }
        if (sql[j] === c) {
          if (sql[j + 1] === c) { j += 2; continue; }
          break;
        }
        j++;
      }
      copyUntil(Math.min(j + 1, n));
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      copyUntil(end === -1 ? n : end);
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      copyUntil(end === -1 ? n : end + 2);
    } else if (c === '$') {
      const placeholder = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (placeholder && !inIdentifier) {
        const index = Number(placeholder[1]) - 1;
        if (index < 0 || index >= parameters.length) throw new Error(`Statement refers to $${index + 1} but has ${parameters.length} parameters`);
        out += sqlLiteral(parameters[index]);
        i += placeholder[0].length;
        inIdentifier = false;
        continue;
      }
      const tag = /^\$([A-Za-z_][\w]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag && !inIdentifier) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        copyUntil(end === -1 ? n : end + tag[0].length);
      } else {
        copyUntil(i + 1, true);
      }
    } else {
      // Copy a run of ordinary characters at once.
      let j = i + 1;
      while (j < n && !"'\"-/$".includes(sql[j]!)) j++;
      copyUntil(j, /[\w$]/.test(sql[j - 1]!));
    }
  }
  return out;
}
