import { Type, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';

/** Small TypeBox builders the schemas of the API, the views and the sandbox share. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A union of string literals from a list, typed as the list's members (not `string`). */
export const literalUnion = <T extends string>(values: readonly T[]): TUnion<TLiteral<T>[]> => Type.Union(values.map((value) => Type.Literal(value)));
