// Pure parts of the terminal import (SPEC §4): reading CSV/JSON files into rows, and checking
// each row (SN shape, factory key shape, duplicates inside the file). Database checks (known
// model, SN already in stock) are in terminal-import.service.ts.
import { parse } from 'csv-parse/sync';

export interface ImportRow { sn: string; modelCode: string; factoryKey: string }

export type ImportRowError =
  | 'malformed_row' | 'malformed_sn' | 'malformed_factory_key' | 'unknown_model'
  | 'duplicate_sn_in_file' | 'duplicate_sn_in_stock';

export interface RejectedRow { index: number; sn: string | null; error: ImportRowError; line?: number; message?: string }

/** A row of a file: the parsed row, or why the line could not be read; `line` is 1-based. */
export type FileRow = { line: number; row: ImportRow } | { line: number; error: string; sn: string | null };

export const snPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{3,39}$/;
export const factoryKeyPattern = /^[0-9a-fA-F]{64}$/;
export const importRowsMax = 1_000_000;

/** Checks shapes and in-file duplicates; returns the error of each row or null. */
export function checkRowShapes(rows: readonly ImportRow[], knownModels: ReadonlySet<string>): (ImportRowError | null)[] {
  const seen = new Set<string>();
  return rows.map((row) => {
    if (typeof row.sn !== 'string' || !snPattern.test(row.sn)) return 'malformed_sn';
    if (seen.has(row.sn)) return 'duplicate_sn_in_file';
    seen.add(row.sn);
    if (!knownModels.has(row.modelCode)) return 'unknown_model';
    if (typeof row.factoryKey !== 'string' || !factoryKeyPattern.test(row.factoryKey)) return 'malformed_factory_key';
    return null;
  });
}

const columnAliases: Record<string, keyof ImportRow> = {
  sn: 'sn', serial: 'sn', serial_number: 'sn',
  modelcode: 'modelCode', model_code: 'modelCode', model: 'modelCode',
  factorykey: 'factoryKey', factory_key: 'factoryKey',
};

/**
 * Reads a CSV with a header (`sn,modelCode,factoryKey`). A line that cannot be parsed (wrong
 * number of fields, broken quotes) is reported with its line number; the others still count.
 */
export function parseCsv(text: string): FileRow[] {
  const out: FileRow[] = [];
  const records = parse(text, {
    bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true,
    skip_records_with_error: true,
    on_skip: (err) => { out.push({ line: Number((err as { lines?: unknown } | undefined)?.lines ?? 0), error: err?.message ?? 'unreadable line', sn: null }); return undefined; },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [header, ...body] = records;
  if (!header) return out;
  const columns = header.record.map((name) => columnAliases[name.replace(/\s+/g, '').toLowerCase()]);
  const width = columns.length;
  for (const { record, info } of body) {
    if (record.length !== width) {
      out.push({ line: info.lines, error: `expected ${width} fields, found ${record.length}`, sn: record[0] ?? null });
      continue;
    }
    const row: ImportRow = { sn: '', modelCode: '', factoryKey: '' };
    columns.forEach((column, i) => { if (column) row[column] = record[i] ?? ''; });
    out.push({ line: info.lines, row });
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Reads JSON: an array of rows, or `{ terminals: [...] }` as the API takes it. */
export function parseJson(text: string): FileRow[] {
  const value: unknown = JSON.parse(text);
  const list = Array.isArray(value) ? value : (value as { terminals?: unknown })?.terminals;
  if (!Array.isArray(list)) throw new Error('JSON must be an array of rows or {"terminals": [...]}');
  return list.map((item: unknown, i): FileRow => {
    const r = item as Partial<Record<keyof ImportRow, unknown>> | null;
    if (!r || typeof r !== 'object' || typeof r.sn !== 'string' || typeof r.modelCode !== 'string' || typeof r.factoryKey !== 'string') {
      return { line: i + 1, error: 'row needs string sn, modelCode and factoryKey', sn: typeof r?.sn === 'string' ? r.sn : null };
    }
    return { line: i + 1, row: { sn: r.sn, modelCode: r.modelCode, factoryKey: r.factoryKey } };
  });
}
