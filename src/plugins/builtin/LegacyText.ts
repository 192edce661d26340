/**
 * The built-in plugins' messages are written as Infrarust writes them: `&` colour codes and
 * `{name}` placeholders. Clients render `§` codes inside a text component's plain text in every
 * version, so `&` codes become `§` codes and the text is sent as it is.
 */

/** `&e` → `§e` for colours (0-9, a-f), styles (k-o) and reset (r); `&&` and other `&`s stay. */
export const legacyColours = (text: string): string => text.replace(/&([0-9a-fk-or])/gi, "§$1")

/** Fills `{key}` placeholders; an unknown key stays as written (an admin's typo shows up in game). */
export const fillPlaceholders = (template: string, values: Readonly<Record<string, string | number>>): string =>
  template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole))

/** A message as players read it: placeholders filled, then colours. */
export const render = (template: string, values: Readonly<Record<string, string | number>> = {}): string =>
  legacyColours(fillPlaceholders(template, values))
