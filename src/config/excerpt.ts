/**
 * A user's value quoted in a message, cut to a length a terminal line can hold. A 200 KB regex
 * line used to come back whole in its own error message, once per problem found in it.
 */
export const EXCERPT_CHARS = 80;

export function excerpt(text: string, max = EXCERPT_CHARS): string {
  if (text.length <= max) return text;
  // Cut between code points, never inside a surrogate pair.
  return Array.from(text.slice(0, max + 1)).slice(0, max - 1).join('') + '…';
}
