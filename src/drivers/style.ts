import { styleText } from 'node:util';
import type { ServerLine } from '../../streams/protocol/server-line.js';
import { formatServerLine } from '../../streams/protocol/server-line.js';

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}

type Format = Parameters<typeof styleText>[0];

const STYLE: Record<ServerLine['kind'], Format | undefined> = {
  message: undefined,
  private: 'magenta',
  notice: 'dim',
  error: 'red',
  text: undefined,
};

/** A server line as the person sees it: in colour on a terminal, plain otherwise. */
export function renderServerLine(line: ServerLine, colour: boolean): string {
  const plain = formatServerLine(line);
  if (!colour) return plain;
  if (line.kind === 'message') return `${styleText('bold', `<${line.from}>`)} ${line.text}`;
  const style = STYLE[line.kind];
  return style ? styleText(style, plain) : plain;
}
