/**
 * Typed reads from a JSON Schema that arrived as untrusted JSON. Each accessor checks the shape it returns,
 * so a malformed schema degrades to "no constraint" instead of throwing halfway through generation.
 */

export type Schema = Readonly<Record<string, unknown>>;

export function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function schemaAt(schema: Schema, key: string): Schema | undefined {
  const value = schema[key];
  return isSchema(value) ? value : undefined;
}

export function schemaList(schema: Schema, key: string): Schema[] {
  const value = schema[key];
  return Array.isArray(value) ? value.filter(isSchema) : [];
}

export function numberAt(schema: Schema, key: string): number | undefined {
  const value = schema[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function stringAt(schema: Schema, key: string): string | undefined {
  const value = schema[key];
  return typeof value === 'string' ? value : undefined;
}

export function stringList(schema: Schema, key: string): string[] {
  const value = schema[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Declared types; a schema without `type` is typed by the keywords it uses. */
export function typesOf(schema: Schema): string[] {
  const declared = schema.type;
  if (typeof declared === 'string') {
    return [declared];
  }

  if (Array.isArray(declared)) {
    return declared.filter((item): item is string => typeof item === 'string');
  }

  if (isSchema(schema.properties)) {
    return ['object'];
  }

  return schema.items !== undefined || schema.prefixItems !== undefined ? ['array'] : [];
}

export function propertiesOf(schema: Schema): Array<[string, Schema]> {
  const properties = schemaAt(schema, 'properties');
  if (!properties) {
    return [];
  }

  return Object.entries(properties).filter((entry): entry is [string, Schema] => isSchema(entry[1]));
}

/** Follows a local `$ref` ("#/$defs/x", "#/definitions/x", "#"); other references are left as they are. */
export function resolveRef(schema: Schema, root: Schema): Schema {
  const ref = stringAt(schema, '$ref');
  if (ref === undefined || !ref.startsWith('#')) {
    return schema;
  }

  let target: unknown = root;
  for (const part of ref.slice(1).split('/').filter((segment) => segment !== '')) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    target = isSchema(target) ? target[key] : undefined;
  }

  return isSchema(target) ? target : {};
}
