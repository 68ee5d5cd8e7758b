/**
 * The server's sentences as the e2e specs match them, in both modes: a room's welcome names the
 * room (`* welcome to server, you are guest-1 in #lobby; /help lists commands`), a console-only
 * one says who hears you (`...; only server hears you; /help lists commands`); group 1 is the nick.
 */
export const WELCOME =
  /^\* welcome to server, you are (guest-\d+)(?: in #[a-z0-9_.-]+)?;(?: only server hears you;)? \/help lists commands$/;

/** `/who`'s answer for `count` people named by `names` (a RegExp's source is used as it is): in a room it names the room. */
export function online(count: number, names: string | RegExp): RegExp {
  const pattern = typeof names === 'string' ? names.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : names.source;
  return new RegExp(`^\\* online(?: in #[a-z0-9_.-]+)? \\(${count}\\): ${pattern}$`);
}
