// Masks for personal data in responses and logs (SPEC §3: `110***********1234`).

/** Keeps the first `head` and last `tail` characters; the rest become `*`. */
export function maskMiddle(value: string, head = 3, tail = 4): string {
  if (value.length <= head + tail) return '*'.repeat(value.length);
  return value.slice(0, head) + '*'.repeat(value.length - head - tail) + value.slice(-tail);
}

export function maskPhone(phone: string): string {
  return maskMiddle(phone, 3, 4);
}

export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at <= 0) return maskMiddle(email, 1, 1);
  return `${email[0]}***${email.slice(at)}`;
}

/** A secret or personal value whose string and JSON forms are its mask, so a log line cannot leak it. */
export class Sensitive {
  readonly #value: string;
  readonly #mask: string;
  constructor(value: string, mask: (v: string) => string = (v) => maskMiddle(v)) {
    this.#value = value;
    this.#mask = mask(value);
  }
  reveal(): string { return this.#value; }
  toString(): string { return this.#mask; }
  toJSON(): string { return this.#mask; }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.#mask; }
}
