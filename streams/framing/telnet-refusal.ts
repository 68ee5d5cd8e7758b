import { COMMAND, DATA, DO, DONT, IAC, inSubnegotiation, OPTION, SB, SUB, WILL, WONT } from './telnet.js';

/**
 * A line server supports no telnet option, so it refuses each one a peer asks for (RFC 854: DO
 * x is answered WONT x, WILL x is answered DONT x). Unanswered, telnet's `mode character` waits
 * for an echo that never comes and the person types blind; refused, telnet echoes what is typed
 * itself and sends whole lines. Only requests are answered, each option once, so no two ends
 * can loop and no peer can make us write more than it sent.
 */
export class TelnetRefusals {
  private state = DATA;
  private request = 0;
  /** The requests answered, as request << 8 | option; made on the first (most peers never ask). */
  private answered: Set<number> | undefined;

  /** The refusals `chunk` calls for, or undefined (the usual case: a chunk without 0xFF, outside a command). */
  answers(chunk: Uint8Array): Uint8Array | undefined {
    if (this.state === DATA && chunk.indexOf(IAC) === -1) return undefined;
    const out: number[] = [];
    for (const byte of chunk) {
      switch (this.state) {
        case DATA:
          if (byte === IAC) this.state = COMMAND;
          break;
        case COMMAND:
          this.request = byte;
          this.state = byte === WILL || byte === DO ? OPTION : byte === SB ? SUB : DATA;
          break;
        case OPTION: {
          this.state = DATA;
          const key = (this.request << 8) | byte;
          this.answered ??= new Set();
          if (this.answered.has(key)) break;
          this.answered.add(key);
          out.push(IAC, this.request === DO ? WONT : DONT, byte);
          break;
        }
        default:
          this.state = inSubnegotiation(this.state, byte);
      }
    }
    return out.length > 0 ? Uint8Array.from(out) : undefined;
  }
}

/** Refusals for a peer that has sent a telnet command (each starts with IAC), or undefined: most never do. */
export function refusalsFor(chunk: Uint8Array): TelnetRefusals | undefined {
  return chunk.indexOf(IAC) === -1 ? undefined : new TelnetRefusals();
}
