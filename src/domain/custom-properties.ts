/**
 * Bounds on custom properties (`c_*`): they merge across requests, so without a cap a basket grows
 * without end (each PATCH adds keys) and every later mutation of it — and of every basket on its lane —
 * pays for reading, pricing and writing the whole document. Pure: counts keys and the UTF-8 bytes of
 * their JSON.
 */
export interface CustomPropertyLimits {
  /** Most properties on the basket itself, and on each product line. */
  readonly maxCount: number;
  /** Most UTF-8 bytes of the properties (as JSON) on the basket itself, and on each product line. */
  readonly maxBytes: number;
}

export interface CustomSize {
  readonly count: number;
  readonly bytes: number;
}

const encoder = new TextEncoder();

export function customSize(custom: Readonly<Record<string, unknown>> | undefined): CustomSize {
  if (!custom) return { count: 0, bytes: 0 };
  const count = Object.keys(custom).length;
  return { count, bytes: count === 0 ? 0 : encoder.encode(JSON.stringify(custom)).length };
}

/**
 * Why `after` breaks the limits where `before` did not already (null when fine). A property set that
 * was over the limits before the cap existed may shrink or stay as it is, but never grow.
 */
export function customLimitBreach(before: CustomSize, after: CustomSize, limits: CustomPropertyLimits, where: string): string | null {
  if (after.count > limits.maxCount && after.count > before.count) return `${where} would hold ${after.count} custom properties; at most ${limits.maxCount} are allowed.`;
  if (after.bytes > limits.maxBytes && after.bytes > before.bytes) return `${where}'s custom properties would take ${after.bytes} bytes; at most ${limits.maxBytes} are allowed.`;
  return null;
}
