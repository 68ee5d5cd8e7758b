import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configDir } from './config-dir.js';
import { makeDirectory } from './make-directory.js';

/**
 * The client's pinned server certificates, like ssh's known_hosts: one `HOST:PORT FINGERPRINT`
 * per line (SHA-256, `AB:CD:...`); blank lines and `#` comments are kept as they are.
 */
export interface KnownHost {
  readonly fingerprint: string;
  /** 1-based, so a person can be told which line to remove. */
  readonly line: number;
}

/** `$XDG_CONFIG_HOME/tcpchat/known_hosts`, else `~/.config/tcpchat/known_hosts`. */
export function knownHostsPath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'known_hosts');
}

/** The entries for `hostPort`; none when the file does not exist yet. Other read errors throw. */
export function knownHostEntries(file: string, hostPort: string): KnownHost[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return []; // no such file, so nothing pinned yet
    throw error;
  }
  return entriesIn(text, hostPort);
}

function entriesIn(text: string, hostPort: string): KnownHost[] {
  return text.split('\n').flatMap((raw, index) => {
    const [name, fingerprint] = raw.trim().split(/\s+/);
    return name === hostPort && fingerprint ? [{ fingerprint, line: index + 1 }] : [];
  });
}

/**
 * Appends a pin, creating the folder (owner only) and the file (owner read/write) if needed. A pin
 * there already (another client pinned the same server a moment ago) is not written twice: told to
 * remove the line, one would do it and find the other still there.
 */
export function addKnownHost(file: string, hostPort: string, fingerprint: string): void {
  makeDirectory(dirname(file), 0o700);
  let existing = '';
  try {
    existing = readFileSync(file, 'utf8');
  } catch {
    // no file yet: appendFileSync creates it
  }
  if (entriesIn(existing, hostPort).some((pin) => pin.fingerprint.toUpperCase() === fingerprint.toUpperCase())) return;
  const pin = `${hostPort} ${fingerprint}\n`;
  // Never glued onto a hand-edited last line.
  appendFileSync(file, existing.length > 0 && !existing.endsWith('\n') ? `\n${pin}` : pin, { mode: 0o600 });
}
