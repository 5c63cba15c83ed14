// Pure helpers for forms filled from a server record (no DOM: unit-tested in Node).

/** The record's values as form fields (one per leaf, address.city as ['address', 'city']), except those touched. */
export function untouchedFields(record: Record<string, unknown>, touched: (path: string[]) => boolean): { name: string[]; value: unknown }[] {
  const out: { name: string[]; value: unknown }[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [part, inner] of Object.entries(value as Record<string, unknown>)) if (!touched([name, part])) out.push({ name: [name, part], value: inner });
    } else if (!touched([name])) out.push({ name: [name], value });
  }
  return out;
}
