/**
 * fast-check arbitraries from the service's own OpenAPI document (generated from its zod schemas):
 * request bodies that follow a route's JSON Schema, the same with one part broken, and plain junk
 * (wrong types, boundary numbers, lone surrogates, NUL, deep nesting, prototype keys, huge strings,
 * duplicate keys and ids, text that is not JSON). Bodies are produced as JSON text so that what no
 * JavaScript object can hold (duplicate keys, invalid Unicode escapes) reaches the server too.
 */
import fc from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  nullable?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
}

/** Values a schema cannot tell but a request needs to get far (real SKUs, item ids, method ids). */
export type KnownValues = () => readonly unknown[];

const LONE_SURROGATE = '\ud800';
const hugeString = (n: number) => 'x'.repeat(n);

/** Values that break something somewhere: wrong types, boundaries, invalid text, nesting, prototypes. */
/** Strings that are not text (lone surrogates, alone, inside a word, after a valid pair) or hide control characters. */
export function hostileString(): fc.Arbitrary<string> {
  return fc.constantFrom(LONE_SURROGATE, `Main St ${LONE_SURROGATE}`, 'x\udc00y', '\ud83d\ude00\ud83d', 'a\u0000b', '\u0000', 'line\nbreak');
}

export function junkValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: hostileString() },
    fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1,
      -0,
      0.5,
      1e308,
      -1e308,
      2 ** 31,
      2 ** 53 + 2,
      Number.MAX_SAFE_INTEGER,
      1e-320,
      '',
      ' ',
      '0',
      '-1',
      '1e999',
      'NaN',
      'null',
      'true',
      '\u0000',
      `a${LONE_SURROGATE}b`,
      '\udc00',
      '\ud83d\ude00',
      '\u202e',
      '<script>',
      "' or 1=1 --",
      '../../etc/passwd',
      '%00',
      'me',
      'default',
      [],
      {},
      [null],
      [[]],
      { '': '' },
    ),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.integer(),
    fc.double(),
    fc.constant(hugeString(70_000)),
    fc.constant(hugeString(3_000)),
    fc.integer({ min: 30, max: 60 }).map((d) => JSON.parse('['.repeat(d) + ']'.repeat(d)) as unknown),
    fc.constant(JSON.parse('{"__proto__":{"polluted":true}}') as unknown),
    fc.constant(JSON.parse('{"constructor":{"prototype":{"polluted":true}}}') as unknown),
  );
}

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

function stringArb(schema: JsonSchema, known: KnownValues): fc.Arbitrary<unknown> {
  const options: fc.WeightedArbitrary<unknown>[] = [
    { weight: 1, arbitrary: fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) }) },
    { weight: 2, arbitrary: fc.constantFrom(...known()).filter((v) => typeof v === 'string') },
    { weight: 2, arbitrary: hostileString() },
  ];
  if (schema.pattern) {
    try {
      const re = new RegExp(schema.pattern);
      options.push({ weight: 4, arbitrary: fc.stringMatching(re).filter((s) => s.length <= (schema.maxLength ?? 200) && s.length >= (schema.minLength ?? 0)) });
    } catch {
      // A pattern JavaScript cannot compile: plain strings only.
    }
  } else {
    options.push({ weight: 4, arbitrary: fc.string({ minLength: Math.max(1, schema.minLength ?? 1), maxLength: Math.min(schema.maxLength ?? 20, 20) }) });
  }
  if (schema.maxLength !== undefined) options.push({ weight: 1, arbitrary: fc.constant(hugeString(schema.maxLength + 1)) });
  return fc.oneof(...options);
}

function numberArb(schema: JsonSchema, integer: boolean, known: KnownValues): fc.Arbitrary<unknown> {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000);
  const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1000);
  const lo = Math.max(min, -1e6);
  const hi = Math.min(max, 1e6);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: integer
        ? fc.integer({ min: Math.ceil(lo), max: Math.floor(Math.max(lo, hi)) })
        : fc.double({ min: lo, max: Math.max(lo, hi), noNaN: true, noDefaultInfinity: true }),
    },
    { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1, min, max, 0, -1, 1.5, 2 ** 53 + 2) },
    { weight: 1, arbitrary: fc.constantFrom(...known()).filter((v) => typeof v === 'number') },
  );
}

/** Values that follow the schema (mostly: patterns and formats are tried, not guaranteed). */
export function fromSchema(schema: JsonSchema | undefined, known: KnownValues, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return junkValue();
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((s) => fromSchema(s, known, depth + 1)));
  if (schema.allOf && schema.allOf.length > 0) return fromSchema(Object.assign({}, ...schema.allOf) as JsonSchema, known, depth + 1);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const arbs: fc.Arbitrary<unknown>[] = [];
  for (const type of typesOf(schema)) {
    switch (type) {
      case 'object': {
        const props = schema.properties ?? {};
        const required = schema.required ?? [];
        const shape: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [key, sub] of Object.entries(props)) shape[key] = fromSchema(sub, known, depth + 1);
        const record = fc.record(shape, { requiredKeys: required.filter((k) => k in shape) });
        // Open objects (OCAPI's c_* properties) get extra keys too.
        const extra =
          schema.additionalProperties === false
            ? fc.constant({})
            : fc.dictionary(
                fc.oneof(
                  fc.constantFrom('c_note', 'c_x', 'c_'),
                  fc.string({ maxLength: 8 }).map((k) => `c_${k}`),
                ),
                junkValue(),
                { maxKeys: 3 },
              );
        arbs.push(fc.tuple(record, extra).map(([r, e]) => ({ ...e, ...r })));
        break;
      }
      case 'array': {
        const max = Math.min(schema.maxItems ?? 4, 4);
        arbs.push(fc.array(fromSchema(schema.items, known, depth + 1), { minLength: Math.min(schema.minItems ?? 0, max), maxLength: max }));
        break;
      }
      case 'string':
        arbs.push(stringArb(schema, known));
        break;
      case 'integer':
        arbs.push(numberArb(schema, true, known));
        break;
      case 'number':
        arbs.push(numberArb(schema, false, known));
        break;
      case 'boolean':
        arbs.push(fc.boolean());
        break;
      case 'null':
        arbs.push(fc.constant(null));
        break;
    }
  }
  if (schema.nullable) arbs.push(fc.constant(null));
  return arbs.length > 0 ? fc.oneof(...arbs) : junkValue();
}

/** Replaces one randomly chosen part of a value (the value itself, a property, an element) with junk. */
function breakOnePart(value: unknown, junk: unknown, pick: number): unknown {
  if (typeof value !== 'object' || value === null) return junk;
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  if (entries.length === 0 || pick % (entries.length + 1) === entries.length) return junk;
  const [key, child] = entries[pick % (entries.length + 1)]!;
  const copy: any = Array.isArray(value) ? [...value] : { ...value };
  copy[key] = breakOnePart(child, junk, Math.floor(pick / (entries.length + 1)));
  return copy;
}

/** A request body as JSON text (or `undefined`: no body), for one route's schema. */
export function bodyText(schema: JsonSchema | undefined, known: KnownValues): fc.Arbitrary<string | undefined> {
  const valid = fromSchema(schema, known);
  const asText = (v: unknown) => JSON.stringify(v);
  return fc.oneof(
    { weight: 3, arbitrary: valid.map(asText) },
    { weight: 4, arbitrary: fc.tuple(valid, junkValue(), fc.nat()).map(([v, j, pick]) => asText(breakOnePart(v, j, pick))) },
    { weight: 1, arbitrary: junkValue().map(asText) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<string | undefined>(
        undefined,
        '',
        '{',
        '[1,]',
        '{"a":1,"a":2}',
        '{"quantity":1,"quantity":"x"}',
        '[{"product_id":"x","quantity":1},{"product_id":"x","quantity":1}]',
        '{"c_x":"\\ud800"}',
        '{"\\udc00":1}',
        '"\\u0000"',
        'null',
        '1e999',
        '\u0000',
        '{"a":"\\u0000"}',
      ),
    },
  );
}
