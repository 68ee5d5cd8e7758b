/**
 * The lines a server sends, and how a client reads them back:
 * `<nick> text` a message, `* text` a notice, `*nick* text` a private message, `! text` an error,
 * `*-> nick* text` a private message one sent, as delivered to `nick`.
 */
export type ServerLine =
  | { kind: 'message'; from: string; text: string }
  | { kind: 'private'; from: string; text: string }
  | { kind: 'sent'; to: string; text: string }
  | { kind: 'notice'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'text'; text: string };

export const formatMessage = (from: string, text: string): string => `<${from}> ${text}`;
export const formatPrivate = (from: string, text: string): string => `*${from}* ${text}`;
export const formatSent = (to: string, text: string): string => `*-> ${to}* ${text}`;
export const formatNotice = (text: string): string => `* ${text}`;
export const formatError = (text: string): string => `! ${text}`;

/** The notice a server with a password greets with; tcpchat's client answers it itself and does not show it. */
export const PASSWORD_PROMPT = 'this server needs a password: send /pass SECRET';

export function formatServerLine(line: ServerLine): string {
  switch (line.kind) {
    case 'message':
      return formatMessage(line.from, line.text);
    case 'private':
      return formatPrivate(line.from, line.text);
    case 'sent':
      return formatSent(line.to, line.text);
    case 'notice':
      return formatNotice(line.text);
    case 'error':
      return formatError(line.text);
    case 'text':
      return line.text;
  }
}

const MESSAGE = /^<([^\s<>]+)> (.*)$/s;
const PRIVATE = /^\*([^\s*]+)\* (.*)$/s;
const SENT = /^\*-> ([^\s*]+)\* (.*)$/s;

/** Reads a server's line; anything unrecognised (another server, a raw peer) is plain text. */
export function parseServerLine(line: string): ServerLine {
  const message = MESSAGE.exec(line);
  if (message) return { kind: 'message', from: message[1], text: message[2] };
  const privateMessage = PRIVATE.exec(line);
  if (privateMessage) return { kind: 'private', from: privateMessage[1], text: privateMessage[2] };
  const sent = SENT.exec(line);
  if (sent) return { kind: 'sent', to: sent[1], text: sent[2] };
  if (line.startsWith('* ')) return { kind: 'notice', text: line.slice(2) };
  if (line.startsWith('! ')) return { kind: 'error', text: line.slice(2) };
  return { kind: 'text', text: line };
}
