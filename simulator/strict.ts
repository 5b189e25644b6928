/**
 * The rules OpenAI applies to `strict: true` structured-output schemas. Enforcing them here means a schema
 * that the real provider would reject fails against the simulator too, before any money is spent.
 */

import { isSchema, propertiesOf, schemaAt, schemaList, stringList, typesOf, type Schema } from './schema';

/** The first rule the schema breaks, worded like the provider's error; undefined when it is acceptable. */
export function strictSchemaProblem(schema: Schema): string | undefined {
  if (!typesOf(schema).includes('object') || schema.anyOf !== undefined) {
    return "In context=(), schema must be a JSON Schema of 'type: \"object\"', got a different root.";
  }

  return objectProblem(schema, []);
}

function objectProblem(schema: Schema, context: string[]): string | undefined {
  const where = `In context=(${context.map((part) => `'${part}'`).join(', ')})`;
  const isObject = typesOf(schema).includes('object') || isSchema(schema.properties);

  if (isObject && schema.additionalProperties !== false) {
    return `${where}, 'additionalProperties' is required to be supplied and to be false.`;
  }

  const required = stringList(schema, 'required');
  const missing = propertiesOf(schema).map(([key]) => key).find((key) => !required.includes(key));
  if (isObject && missing !== undefined) {
    return `${where}, 'required' is required to be supplied and to be an array including every key in ` +
      `properties. Missing '${missing}'.`;
  }

  return childProblem(schema, context);
}

function childProblem(schema: Schema, context: string[]): string | undefined {
  const children: Array<[string[], Schema]> = [
    ...propertiesOf(schema).map(([key, value]): [string[], Schema] => [['properties', key], value]),
    ...definitionsOf(schema),
    ...['anyOf', 'allOf', 'oneOf', 'prefixItems'].flatMap((key) =>
      schemaList(schema, key).map((value, index): [string[], Schema] => [[key, String(index)], value])),
  ];

  const items = schemaAt(schema, 'items');
  if (items) {
    children.push([['items'], items]);
  }

  for (const [path, value] of children) {
    const problem = objectProblem(value, [...context, ...path]);
    if (problem !== undefined) {
      return problem;
    }
  }

  return undefined;
}

function definitionsOf(schema: Schema): Array<[string[], Schema]> {
  return ['$defs', 'definitions'].flatMap((key) =>
    Object.entries(schemaAt(schema, key) ?? {})
      .filter((entry): entry is [string, Schema] => isSchema(entry[1]))
      .map(([name, value]): [string[], Schema] => [[key, name], value]));
}
