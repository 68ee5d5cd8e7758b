import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The client's own files (known_hosts, its certificate): `$XDG_CONFIG_HOME/tcpchat`, else `~/.config/tcpchat`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative value is to be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'tcpchat');
}
