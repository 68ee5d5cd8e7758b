import { noSuchNick, privately } from './cluster-link.js';
import type { Effect } from './events.js';
import type { ConnId, ServerModel } from './model.js';
import { findByNick } from './nicks.js';
import { forReturn, keptForReturn, sendPrivate } from './private-lines.js';

/**
 * Where a `/msg`'s line goes, from a member (`from`) or the console: to the nick's holder here or
 * on another node (`sent`: the nick it reached), kept for a holder whose link was lost a moment ago
 * (`notice`: what the sender is told), or nowhere (`error`).
 */
export type PrivateRoute =
  | { readonly sent: string; readonly effects: Effect[] }
  | { readonly notice: string; readonly effects: Effect[] }
  | { readonly error: string };

export function routePrivate(model: ServerModel, from: ConnId | undefined, to: string, line: string): PrivateRoute {
  const target = findByNick(model, to);
  if (target) return { sent: target.nick, effects: sendPrivate(model, target, line) };
  const elsewhere = privately(model, from, to, line);
  // Kept by the node it lost its link on, for its return.
  if (elsewhere?.away) return { notice: keptForReturn(elsewhere.to), effects: elsewhere.effects };
  if (elsewhere) return { sent: elsewhere.to, effects: elsewhere.effects };
  const away = forReturn(model, to, line);
  if (away?.sent !== undefined) return { sent: away.sent, effects: away.effects };
  if (away) return { notice: keptForReturn(to), effects: away.effects };
  return { error: noSuchNick(model, to) };
}
