import type { FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

/**
 * Our route schemas (API and sandbox) are TypeBox 0.34 (CommonJS). @fastify/type-provider-typebox 6 needs the
 * ESM-only `typebox` 1.x, which Jest's CommonJS runtime cannot load; these few lines are that
 * provider for 0.34: the static type of a route's input is derived from the same schema that
 * checks it at run time.
 */
export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

export function checkerFor<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check as TypeCheck<T>;
}

/**
 * The first problem with `value`, phrased for a person, or undefined when it fits the schema:
 * "mrn: Expected string length less or equal to 64" (`prefix` names the part, e.g. "body").
 */
export function firstProblem(schema: TSchema, value: unknown, prefix = ''): string | undefined {
  const check = checkerFor(schema);
  if (check.Check(value)) return undefined;
  const error = check.Errors(value).First();
  const where = `${prefix}${error?.path ?? ''}`.replace(/^\//, '');
  const message = error === undefined ? 'invalid value' : (literalChoices(error.schema) ?? error.message);
  return where === '' ? message : `${where}: ${message}`;
}

/**
 * Validation without coercion: a JSON number is never quietly turned into a string (or back),
 * which matters on the platform routes, where a signature covers the values exactly as sent.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  return (value: unknown) => {
    const problem = firstProblem(schema, value, httpPart ?? '');
    return problem === undefined ? { value } : { error: new Error(problem) };
  };
};

/** "Expected union value" says little; for a union of literals, name the values allowed. */
function literalChoices(schema: TSchema): string | undefined {
  const options: unknown = (schema as { anyOf?: unknown }).anyOf;
  if (!Array.isArray(options) || options.length === 0) return undefined;
  const values: string[] = [];
  for (const option of options as Array<{ const?: unknown }>) {
    if (option.const === undefined) return undefined;
    values.push(JSON.stringify(option.const));
  }
  return `Expected one of ${values.join(', ')}`;
}
