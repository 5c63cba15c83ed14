// What the registration wizard sends to POST/PATCH /v1/merchants (no DOM: unit-tested in Node).

/** Fields of the merchant the wizard edits directly (groups: address, settlementAccount). */
export const editableFields = ['legalName', 'phone', 'email', 'idNumber', 'idName', 'idExpiry', 'uscc', 'licenseName', 'licenseExpiry', 'mcc'] as const;

/** Optional fields a merchant may take off a saved draft again: emptied, they are sent as null. */
export const clearableFields = ['email', 'uscc', 'licenseName', 'licenseExpiry'] as const;

export type DraftValues = Partial<Record<(typeof editableFields)[number], string | null>> & {
  type?: 'individual' | 'enterprise';
  address?: Record<string, string | null | undefined>;
  settlementAccount?: Record<string, string | null | undefined>;
};

function filled(value: unknown): value is string {
  // A masked number from the server (110***********1234) is on file already: never send it back.
  return typeof value === 'string' && value.trim() !== '' && !value.includes('*');
}

function empty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * The request body: only the fields the API takes, only those filled in. The form also holds what
 * the server answered (id, status, masked numbers, nulls), which must not go back. `cleared` names
 * the fields the user emptied on a saved draft; those of `clearableFields` are sent as null.
 */
export function draftBody(values: DraftValues, isNew: boolean, cleared: readonly string[] = []): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (isNew) body.type = values.type ?? 'individual';
  for (const name of editableFields) if (filled(values[name])) body[name] = values[name];
  if (!isNew) for (const name of clearableFields) if (cleared.includes(name) && empty(values[name])) body[name] = null;
  for (const group of ['address', 'settlementAccount'] as const) {
    const parts = Object.entries(values[group] ?? {}).filter(([, v]) => filled(v));
    if (parts.length > 0) body[group] = Object.fromEntries(parts);
  }
  return body;
}
