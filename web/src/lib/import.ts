// Parses the inventory import text typed or pasted by an operator: CSV lines "SN,modelCode,factoryKey"
// (a header line is skipped) or a JSON array. Malformed lines are reported by line; the server
// checks the rest and reports its own per-row errors.

export interface ImportRow { sn: string; modelCode: string; factoryKey: string }
export interface ParsedImport { rows: ImportRow[]; lineErrors: { line: number; text: string }[] }

const importRowsMax = 10_000;

export function parseImportText(text: string): ParsedImport {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed = JSON.parse(trimmed) as unknown;
    if (!Array.isArray(parsed)) return { rows: [], lineErrors: [{ line: 1, text: trimmed.slice(0, 40) }] };
    return { rows: parsed.slice(0, importRowsMax) as ImportRow[], lineErrors: [] };
  }
  const rows: ImportRow[] = [];
  const lineErrors: { line: number; text: string }[] = [];
  const lines = trimmed.split(/\r?\n/).slice(0, importRowsMax + 1);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(/[,\t;]/).map((c) => c.trim());
    if (index === 0 && /^sn$/i.test(cells[0] ?? '')) return;
    if (cells.length !== 3 || cells.some((c) => c === '')) { lineErrors.push({ line: index + 1, text: line }); return; }
    rows.push({ sn: cells[0]!, modelCode: cells[1]!, factoryKey: cells[2]! });
  });
  return { rows, lineErrors };
}
