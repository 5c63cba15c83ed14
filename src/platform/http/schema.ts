// Schema helpers for routes: strict objects (unknown fields are refused), money, ids, lists.
import { Type, type TObject, type TProperties, type TSchema } from 'typebox';
import { pageLimitMax } from '../limits.js';

export { Type };

/** An object schema that refuses unknown fields. */
export function Strict<T extends TProperties>(properties: T, options: Record<string, unknown> = {}): TObject<T> {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** An amount in fen: a whole number of 1/100 CNY. */
export const Fen = (options: Record<string, unknown> = {}) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Amount in fen (1/100 CNY)', ...options });

/** A rate in parts per million (0.38% = 3800). */
export const Ppm = () => Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Rate in parts per million' });

export const IsoDateTime = () => Type.String({ format: 'date-time' });
export const IsoDate = () => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

export const PageQuery = Strict({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: pageLimitMax })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
});

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    hasMore: Type.Boolean(),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  });
}

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    requestId: Type.String(),
  }),
});

/** Any JSON object; for responses whose shape is documented elsewhere. */
export const AnyObject = Type.Object({}, { additionalProperties: true });
