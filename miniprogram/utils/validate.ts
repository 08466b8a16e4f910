/** Mainland mobile: 11 digits starting 13–19. Spaces and dashes people type are ignored. */
export function normalizeMobile(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null;
}

export const NAME_MAX_LENGTH = 20;

export function normalizeName(input: string): string | null {
  const name = input.trim();
  return name.length >= 1 && name.length <= NAME_MAX_LENGTH ? name : null;
}
