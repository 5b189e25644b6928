/**
 * Builds a JSON value that satisfies a JSON Schema, filling it from the input: lists get one item per thing
 * the input says, and each field is chosen by its name (see fields.ts) and its constraints.
 */

import { chooseEnum, generateBoolean } from './choices';
import { isLineName, stringRole, type GenerationContext } from './fields';
import { categoryOf } from './keywords';
import { generateNumber } from './numbers';
import { numberAt, propertiesOf, resolveRef, schemaAt, schemaList, typesOf, type Schema } from './schema';
import type { Source, Unit } from './source';
import { generateString } from './strings';
import { singular } from './text';

/** Lists stop at this many items unless the schema's minItems asks for more, as a terse model would. */
const defaultItemCap = 8;
/** Past this depth recursive schemas get their smallest value (empty list, null) so generation ends. */
const shallowDepth = 8;
const maxDepth = 24;

export function generateFromSchema(schema: Schema, source: Source, name = 'response'): unknown {
  return generateValue(schema, { source, root: schema, name, unit: undefined, index: 0, path: '$', depth: 0 });
}

export function generateValue(raw: Schema, context: GenerationContext): unknown {
  const schema = resolveRef(raw, context.root);
  if (context.depth > maxDepth) {
    return null;
  }

  if ('const' in schema) {
    return schema.const;
  }

  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return chooseEnum(schema.enum, context);
  }

  // Combinators count as a level too, so a schema whose anyOf refers back to itself still ends.
  const deeper = { ...context, depth: context.depth + 1 };
  const branches = [...schemaList(schema, 'anyOf'), ...schemaList(schema, 'oneOf')];
  if (branches.length > 0) {
    return generateValue(chooseBranch(branches, context), deeper);
  }

  const parts = schemaList(schema, 'allOf');
  if (parts.length > 0) {
    return generateValue(mergeAll(schema, parts, context.root), deeper);
  }

  return generateTyped(schema, chooseType(typesOf(schema), context), context);
}

function generateTyped(schema: Schema, type: string, context: GenerationContext): unknown {
  switch (type) {
    case 'object':
      return generateObject(schema, context);
    case 'array':
      return generateArray(schema, context);
    case 'integer':
      return generateNumber(schema, context, true);
    case 'number':
      return generateNumber(schema, context, false);
    case 'boolean':
      return generateBoolean(context);
    case 'null':
      return null;
    default:
      return generateString(schema, context);
  }
}

/** Null is the honest answer when the input has nothing for a nullable field, e.g. a file in plain prose. */
function hasDataFor(context: GenerationContext): boolean {
  if (context.depth > shallowDepth) {
    return false;
  }

  if (isLineName(context.name)) {
    return context.unit?.line !== undefined;
  }

  return stringRole(context.name) !== 'file' || context.source.files.length > 0;
}

function chooseType(types: string[], context: GenerationContext): string {
  const concrete = types.filter((type) => type !== 'null');
  if (types.includes('null') && (concrete.length === 0 || !hasDataFor(context))) {
    return 'null';
  }

  return concrete[0] ?? 'string';
}

function chooseBranch(branches: Schema[], context: GenerationContext): Schema {
  const isNull = (branch: Schema): boolean => {
    const types = typesOf(resolveRef(branch, context.root));
    return types.length === 1 && types[0] === 'null';
  };
  const nullBranch = branches.find(isNull);
  const valueBranch = branches.find((branch) => !isNull(branch));

  if (nullBranch && (!valueBranch || !hasDataFor(context))) {
    return nullBranch;
  }

  return valueBranch ?? branches[0] ?? {};
}

/** Shallow merge of allOf parts: enough for the common "base object plus more properties" pattern. */
function mergeAll(schema: Schema, parts: Schema[], root: Schema): Schema {
  const merged: Record<string, unknown> = { ...schema };
  const properties: Record<string, unknown> = { ...schemaAt(schema, 'properties') };

  for (const part of parts.map((item) => resolveRef(item, root))) {
    Object.assign(merged, part);
    Object.assign(properties, schemaAt(part, 'properties'));
  }
  delete merged.allOf;

  return Object.keys(properties).length > 0 ? { ...merged, properties } : merged;
}

function child(context: GenerationContext, name: string, path: string): GenerationContext {
  return { ...context, name, path, depth: context.depth + 1 };
}

/** Every declared property is filled, required or not; nothing undeclared is ever added. */
function generateObject(schema: Schema, context: GenerationContext): Record<string, unknown> {
  // fromEntries defines own properties, so a property named "__proto__" stays an ordinary key.
  return Object.fromEntries(propertiesOf(schema).map(([key, property]) =>
    [key, generateValue(property, child(context, key, `${context.path}.${key}`))]));
}

function generateArray(schema: Schema, context: GenerationContext): unknown[] {
  const itemName = singular(context.name);
  // Tuples: `prefixItems` in draft 2020-12, an array under `items` in draft 7.
  const draft7Tuple = Array.isArray(schema.items) ? schemaList(schema, 'items') : [];
  const tuple = [...schemaList(schema, 'prefixItems'), ...draft7Tuple];
  const items = schemaAt(schema, 'items') ?? {};
  const min = numberAt(schema, 'minItems') ?? 0;
  const max = numberAt(schema, 'maxItems') ?? Number.POSITIVE_INFINITY;

  const sources = context.depth > shallowDepth ? [] : itemSources(resolveRef(items, context.root), itemName, context);
  const cap = Math.min(defaultItemCap, context.source.itemLimit ?? defaultItemCap);
  const count = Math.max(tuple.length, Math.min(Math.max(Math.min(sources.length, cap), min), max));
  const pool = sources.length > 0 ? sources : context.source.units;

  const values = Array.from({ length: count }, (_, index) => {
    const itemContext: GenerationContext = {
      ...child(context, itemName, `${context.path}[${index}]`),
      unit: pool.length > 0 ? pool[index % pool.length] : context.unit,
      index,
    };
    return generateValue(tuple[index] ?? items, itemContext);
  });

  return schema.uniqueItems === true ? uniqueAtLeast(values, min) : values;
}

/**
 * What a list's items are about. Inside an item the list stays on that item; a list named after a topic
 * (`breaking_changes`, `security_issues`) takes only the parts of the input that mention the topic.
 */
function itemSources(items: Schema, itemName: string, context: GenerationContext): Unit[] {
  const { source } = context;
  if (context.unit) {
    return [context.unit];
  }

  const isStringItem = typesOf(items).includes('string') && !Array.isArray(items.enum);
  const role = isStringItem ? stringRole(itemName) : 'free';
  if (role === 'file') {
    return source.files.map((file) => source.units.find((unit) => unit.file === file) ?? fileUnit(file));
  }

  if (role === 'keyword') {
    return source.keywords.map((keyword) => ({ text: keyword, quote: keyword, quoteStart: 0, section: '' }));
  }

  const topic = categoryOf(context.name);
  return topic ? source.units.filter((unit) => topic.test(`${unit.section} ${unit.text}`)) : source.units;
}

function fileUnit(file: string): Unit {
  return { text: file, quote: file, quoteStart: 0, section: '', file };
}

function uniqueAtLeast(values: unknown[], min: number): unknown[] {
  const seen = new Set<string>();
  const unique = values.filter((value) => {
    const key = JSON.stringify(value);
    const fresh = !seen.has(key);
    seen.add(key);
    return fresh;
  });

  return unique.length >= min ? unique : values;
}
