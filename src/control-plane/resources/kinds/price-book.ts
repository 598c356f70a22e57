import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, metadataSchema, Name, Usd } from '../common.js';

export const MAX_PRICE_BOOK_ENTRIES = 5_000;

export const PriceEntrySchema = T.Object(
  {
    /** A Model's name, or an upstream model id (e.g. gpt-4o-2024-08-06). */
    model: T.String({ minLength: 1, maxLength: 256 }),
    inputPer1M: Usd,
    outputPer1M: T.Optional(Usd),
    cachedInputPer1M: T.Optional(Usd),
    cacheWritePer1M: T.Optional(Usd),
    perRequest: T.Optional(Usd),
  },
  { additionalProperties: false },
);

/** A versioned list of prices (e.g. a negotiated rate card) that prices models without inline pricing. */
export const PriceBookSpecSchema = T.Object(
  {
    /** A label recorded on usage events, e.g. "2026-11" (default: the resource's generation). */
    version: T.Optional(T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'letters, digits and . _ -, up to 64' })),
    /** Higher wins when several books price a model; a tie goes to the book whose name sorts first. */
    priority: T.Optional(T.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
    description: T.Optional(T.String({ maxLength: 1000 })),
    prices: T.Array(PriceEntrySchema, { minItems: 1, maxItems: MAX_PRICE_BOOK_ENTRIES }),
  },
  { additionalProperties: false },
);

export const PriceBookDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('PriceBook'), metadata: metadataSchema(Name), spec: PriceBookSpecSchema },
  { additionalProperties: false },
);

export type PriceBookSpec = Static<typeof PriceBookSpecSchema>;
export type PriceEntry = Static<typeof PriceEntrySchema>;
