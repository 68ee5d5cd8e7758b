/**
 * A usage failure as one sentence. yargs' own messages (in English: the parser turns locale
 * detection off) are reworded where they would take two lines or leave the person guessing.
 *
 * @param word the first word typed that is no option: the command, or what was typed instead of one
 */
export function usageSentence(message: string, word: string | undefined, commands: readonly string[]): string {
  if (word !== undefined && !commands.includes(word)) {
    const suggestion = /^Did you mean (\S+)\?$/.exec(message);
    if (suggestion) return `${word} is not a command; did you mean ${suggestion[1]}?`;
    if (message.startsWith('Unknown argument')) return `${word} is not a command; the commands are ${commands.slice(0, -1).join(', ')} and ${commands.at(-1)}`;
  }
  const missing = /^Not enough arguments following: (\S+)$/.exec(message);
  if (missing) return `--${missing[1]} needs a value`;
  // "Invalid values:\n  Argument: framing, Given: "weird", Choices: "line", "raw"", one line per option.
  const invalid = [...message.matchAll(/Argument: (\S+), Given: (.*), Choices: (.*)/g)];
  if (message.startsWith('Invalid values:') && invalid.length > 0) {
    return invalid.map(([, option, given, choices]) => `--${option} must be one of ${choices}, not ${given}`).join('; ');
  }
  return message.trim().replace(/\s*\n\s*/g, '; ');
}
