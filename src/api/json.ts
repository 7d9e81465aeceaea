/**
 * JSON with exact decimals. OCAPI writes money as JSON numbers; going through a JS number would round
 * them, so money is carried as `JsonDecimal` (its decimal text) and written into the JSON text verbatim.
 */
export class JsonDecimal {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new RangeError(`not a decimal: ${text}`);
  }
  toJSON(): string {
    return `\u0000dec:${this.text}\u0000`;
  }
}

export function decimal(text: string): JsonDecimal;
export function decimal(text: string | null): JsonDecimal | null;
export function decimal(text: string | null): JsonDecimal | null {
  return text === null ? null : new JsonDecimal(text);
}

const MARKER = /"\\u0000dec:(-?\d+(?:\.\d+)?)\\u0000"/g;

/** JSON.stringify, with every JsonDecimal written as a bare JSON number of exactly its text. */
export function stringifyWithDecimals(value: unknown): string {
  return JSON.stringify(value).replace(MARKER, '$1');
}
