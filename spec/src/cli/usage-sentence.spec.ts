import { describe, expect, it } from '@jest/globals';
import { usageSentence } from '../../../src/cli/usage-sentence.js';

const COMMANDS = ['serve', 'connect', 'completion'];

describe('usageSentence', () => {
  it('names a mistyped command and the one meant', () => {
    expect(usageSentence('Did you mean serve?', { word: 'serv', commands: COMMANDS })).toBe('serv is not a command; did you mean serve?');
  });

  it('lists the commands when no command is near', () => {
    expect(usageSentence('Unknown argument: frobnicate', { word: 'frobnicate', commands: COMMANDS })).toBe(
      'frobnicate is not a command; the commands are serve, connect and completion',
    );
  });

  it('leaves an unknown argument of a known command as yargs says it', () => {
    expect(usageSentence('Unknown argument: b', { word: 'connect', commands: COMMANDS })).toBe('Unknown argument: b');
  });

  it('makes the two-line message for a value outside the choices one sentence', () => {
    const yargs = 'Invalid values:\n  Argument: framing, Given: "weird", Choices: "line", "raw"';
    expect(usageSentence(yargs, { word: 'serve', commands: COMMANDS })).toBe('--framing must be one of "line", "raw", not "weird"');
    const two = `${yargs}\n  Argument: level, Given: "loud", Choices: "info", "debug"`;
    expect(usageSentence(two, { word: 'serve', commands: COMMANDS })).toBe(
      '--framing must be one of "line", "raw", not "weird"; --level must be one of "info", "debug", not "loud"',
    );
  });

  it('names the config file for keys in it that are no option', () => {
    const config = { file: '/etc/tcpchat.json', keys: ['port', 'prot', 'relya'] };
    expect(usageSentence('Unknown argument: prot', { word: 'serve', commands: COMMANDS, config })).toBe(
      '--config /etc/tcpchat.json: prot is not an option of tcpchat serve',
    );
    expect(usageSentence('Unknown arguments: prot, relya', { word: 'serve', commands: COMMANDS, config })).toBe(
      '--config /etc/tcpchat.json: prot, relya are not options of tcpchat serve',
    );
    expect(usageSentence('Unknown argument: bogus', { word: 'serve', commands: COMMANDS, config })).toBe('Unknown argument: bogus');
    const dashed = { file: '/etc/tcpchat.json', keys: ['max-lines'] };
    expect(usageSentence('Unknown arguments: max-lines, maxLines', { word: 'serve', commands: COMMANDS, config: dashed })).toBe(
      '--config /etc/tcpchat.json: max-lines is not an option of tcpchat serve',
    );
  });

  it('names a dashed unknown option once, without the camelCase twin yargs adds', () => {
    expect(usageSentence('Unknown arguments: log-level, logLevel', { word: 'connect', commands: COMMANDS })).toBe(
      'Unknown argument: log-level',
    );
    expect(usageSentence('Unknown arguments: log-level, logLevel, b', { word: 'connect', commands: COMMANDS })).toBe(
      'Unknown arguments: log-level, b',
    );
  });

  it('says an option given without its value needs one', () => {
    expect(usageSentence('Not enough arguments following: port', { word: 'serve', commands: COMMANDS })).toBe('--port needs a value');
  });

  it('joins the lines of any other message', () => {
    expect(usageSentence('first\n  second\n', { commands: COMMANDS })).toBe('first; second');
  });
});
