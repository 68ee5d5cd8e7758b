/**
 * ANSI text styles, as `util.styleText` writes them. Node's own is missing before 20.12 and takes
 * no list of styles in 20.12, yet `engines` promises every Node 20: this one works on all.
 */
const SGR = {
  bold: [1, 22],
  dim: [2, 22],
  italic: [3, 23],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  greenBright: [92, 39],
  yellowBright: [93, 39],
  blueBright: [94, 39],
  cyanBright: [96, 39],
} as const satisfies Record<string, readonly [number, number]>;

export type TextFormat = keyof typeof SGR;

/** The text in the given styles: opened in order, closed in reverse, like `util.styleText`. */
export function styleText(format: TextFormat | readonly TextFormat[], text: string): string {
  const formats = typeof format === 'string' ? [format] : format;
  const open = formats.map((name) => `\u001b[${SGR[name][0]}m`).join('');
  const close = formats
    .map((name) => `\u001b[${SGR[name][1]}m`)
    .reverse()
    .join('');
  return `${open}${text}${close}`;
}
