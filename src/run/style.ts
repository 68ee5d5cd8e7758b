import type { DisplayLine } from '../../streams/client/client-state.js';
import type { ServerLine } from '../../streams/protocol/server-line.js';
import { formatServerLine } from '../../streams/protocol/server-line.js';
import { styleText, type TextFormat as Format } from './text-style.js';

/** Colour only on a terminal, and never with `--no-color` (`wanted` false) or NO_COLOR set (https://no-color.org). */
export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, wanted = true): boolean {
  return wanted && Boolean(stream.isTTY) && !env.NO_COLOR;
}

const STYLE: Record<ServerLine['kind'], Format | undefined> = {
  message: undefined,
  private: 'magenta',
  sent: 'magenta',
  notice: 'dim',
  error: 'red',
  text: undefined,
};

/** Colours a nick keeps for the whole chat, so people are told apart at a glance. */
const NICK_COLOURS: readonly Format[] = [
  'cyan',
  'green',
  'yellow',
  'blue',
  'magenta',
  'red',
  'cyanBright',
  'greenBright',
  'yellowBright',
  'blueBright',
];

export function nickColour(nick: string): Format {
  let hash = 0;
  for (const char of nick.toLowerCase()) hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  return NICK_COLOURS[hash % NICK_COLOURS.length];
}

/** A server line as the person sees it: in colour on a terminal, plain otherwise. */
export function renderServerLine(line: ServerLine, colour: boolean): string {
  const plain = formatServerLine(line);
  if (!colour) return plain;
  if (line.kind === 'message') return `${styleText(['bold', nickColour(line.from)], `<${line.from}>`)} ${line.text}`;
  const style = STYLE[line.kind];
  return style ? styleText(style, plain) : plain;
}

export interface DisplayStyle {
  readonly colour: boolean;
  readonly timestamps: boolean;
  readonly now: () => Date;
}

/** A line of the conversation: with its time when asked, replayed history set apart. */
export function renderDisplayLine(line: DisplayLine, style: DisplayStyle): string {
  const stamp = style.timestamps ? `[${clock(line.time ? new Date(line.time) : style.now())}] ` : '';
  const text = renderServerLine(line, style.colour && !line.replayed);
  if (!line.replayed) return stamp + text;
  return style.colour ? styleText('dim', `${stamp}${text}`) : `${stamp}(earlier) ${text}`;
}

/** What the client says about the connection itself (lost, reconnecting, back). */
export function renderStatus(text: string, colour: boolean): string {
  const line = `-- ${text}`;
  return colour ? styleText(['italic', 'yellow'], line) : line;
}

function clock(time: Date): string {
  return `${String(time.getHours()).padStart(2, '0')}:${String(time.getMinutes()).padStart(2, '0')}`;
}
