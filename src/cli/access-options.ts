import type { Argv } from 'yargs';
import { GROUP } from './option-groups.js';
import { parseAccess, type AccessRules } from '../../streams/limits/access.js';

/** `serve --allow CIDR --deny CIDR`, each repeatable (or comma-separated). */
export function withAccessOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('allow', {
      type: 'string',
      requiresArg: true,
      array: true,
      describe: 'let in only these addresses (CIDR or address; repeatable)',
    })
    .option('deny', {
      type: 'string',
      requiresArg: true,
      array: true,
      describe: 'keep out these addresses (CIDR or address; repeatable; wins over --allow)',
    })
    .option('allow-file', {
      type: 'string',
      requiresArg: true,
      describe: 'let in only the addresses in FILE (one CIDR or address a line, # comments; read again on SIGHUP)',
    })
    .option('deny-file', { type: 'string', requiresArg: true, describe: 'keep out the addresses in FILE (as --allow-file)' })
    .group(['allow', 'deny', 'allow-file', 'deny-file'], GROUP.security)
    .check((argv) => {
      parseAccess(accessConfig(argv)); // throws one sentence for a rule it cannot read
      return true;
    });
}

export function accessConfig(argv: Record<string, unknown>): AccessRules {
  return { allow: rules(argv.allow), deny: rules(argv.deny) };
}

function rules(value: unknown): string[] {
  const given = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return given.flatMap((text) => String(text).split(',')).map((text) => text.trim()); // '' stays, and is refused
}
