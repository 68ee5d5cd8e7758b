const encoder = new TextEncoder();

/**
 * Compares two secrets in time that depends only on the length of `expected`, so a guesser
 * learns nothing from how long a wrong guess takes.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a[i % Math.max(a.length, 1)] ?? 0) ^ b[i];
  return difference === 0;
}
