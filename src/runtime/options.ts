/**
 * Option defaults that treat an explicit `undefined` as "not given".
 *
 * `{ ...defaults, ...options }` lets `{ timeoutMs: undefined }` erase a
 * default, which is exactly what a layer forwarding its own optional
 * settings produces.
 *
 * @module
 */

/** Returns `defaults` overlaid with the defined values of `options`. */
export function withDefaults<D extends object, O extends object>(
  defaults: D,
  options: O,
): D & O {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) out[key] = value;
  }
  return out as D & O;
}
