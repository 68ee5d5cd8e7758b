/** What a usage failure's sentence may name besides yargs' message. */
export interface UsageContext {
  /** The first word typed that is no option: the command, or what was typed instead of one. */
  readonly word?: string;
  readonly commands: readonly string[];
  /** The --config file read, with its keys. */
  readonly config?: { readonly file: string; readonly keys: readonly string[] };
}

/**
 * A usage failure as one sentence. yargs' own messages (in English: the parser turns locale
 * detection off) are reworded where they would take two lines or leave the person guessing.
 */
export function usageSentence(message: string, { word, commands, config }: UsageContext): string {
  if (word !== undefined && !commands.includes(word)) {
    const suggestion = /^Did you mean (\S+)\?$/.exec(message);
    if (suggestion) return `${word} is not a command; did you mean ${suggestion[1]}?`;
    if (message.startsWith('Unknown argument'))
      return `${word} is not a command; the commands are ${commands.slice(0, -1).join(', ')} and ${commands.at(-1)}`;
  }
  const unknown = unknownNames(message);
  if (config && unknown?.every((name) => config.keys.includes(name))) {
    return `--config ${config.file}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not an option' : 'are not options'} of tcpchat ${word}`;
  }
  if (unknown) return `Unknown argument${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`;
  const missing = /^Not enough arguments following: (\S+)$/.exec(message);
  if (missing) return `--${missing[1]} needs a value`;
  // "Invalid values:\n  Argument: framing, Given: "weird", Choices: "line", "raw"", one line per option.
  const invalid = [...message.matchAll(/Argument: (\S+), Given: (.*), Choices: (.*)/g)];
  if (message.startsWith('Invalid values:') && invalid.length > 0) {
    return invalid.map(([, option, given, choices]) => `--${option} must be one of ${choices}, not ${given}`).join('; ');
  }
  return message.trim().replace(/\s*\n\s*/g, '; ');
}

/** The names in yargs' "Unknown arguments: max-lines, maxLines", without the camelCase twin it adds of a dashed name. */
function unknownNames(message: string): string[] | undefined {
  const names = /^Unknown arguments?: (.*)$/.exec(message)?.[1].split(', ');
  const camel = (name: string): string => name.replace(/-(.)/g, (_, letter: string) => letter.toUpperCase());
  return names?.filter((name) => !names.some((other) => other !== name && camel(other) === name));
}
