// A small BIN table (SPEC §8): debit or credit from the card's first digits. The sandbox BINs are
// documented in the README; a production deployment loads the card schemes' BIN files instead.
export type CardKind = 'debit' | 'credit';

export interface BinEntry { prefix: string; kind: CardKind; issuer: string }

export const binTable: readonly BinEntry[] = [
  { prefix: '622202', kind: 'debit', issuer: 'Sandbox Bank A debit (UnionPay)' },
  { prefix: '621700', kind: 'debit', issuer: 'Sandbox Bank B debit (UnionPay)' },
  { prefix: '622848', kind: 'debit', issuer: 'Sandbox Bank C debit (UnionPay)' },
  { prefix: '623058', kind: 'debit', issuer: 'Sandbox Bank D debit (UnionPay)' },
  { prefix: '622588', kind: 'credit', issuer: 'Sandbox Bank E credit (UnionPay)' },
  { prefix: '625807', kind: 'credit', issuer: 'Sandbox Bank F credit (UnionPay)' },
  { prefix: '524090', kind: 'credit', issuer: 'Sandbox Bank G credit (Mastercard)' },
  { prefix: '438088', kind: 'credit', issuer: 'Sandbox Bank H credit (Visa)' },
  { prefix: '411111', kind: 'credit', issuer: 'Sandbox test credit (Visa)' },
];

/** The longest matching prefix, or undefined for an unknown BIN. */
export function lookupBin(bin: string): BinEntry | undefined {
  let best: BinEntry | undefined;
  for (const entry of binTable) {
    if (bin.startsWith(entry.prefix) && (!best || entry.prefix.length > best.prefix.length)) best = entry;
  }
  return best;
}
