/** Text a person typed, matched literally inside a `$regex` (search boxes). */
export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
