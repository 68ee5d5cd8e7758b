/**
 * Telnet commands, taken out of a connection's bytes only once the peer has shown it speaks
 * telnet: by a negotiation (IAC WILL, WONT, DO, DONT or SB). Before that, 0xFF is just a byte
 * that is no UTF-8 (it becomes U+FFFD and takes nothing with it), so `a\xffb` stays three
 * characters. Commands may be split across chunks anywhere; nothing is held but the state.
 */

export const IAC = 0xff;
export const SB = 0xfa;
export const SE = 0xf0;
export const WILL = 0xfb;
export const WONT = 0xfc;
export const DO = 0xfd;
export const DONT = 0xfe;
const LF = 0x0a;
const CR = 0x0d;

/** Where a scan of telnet bytes is: in data, after an IAC, before an option byte, inside a subnegotiation (or after an IAC there). */
export const DATA = 0;
export const COMMAND = 1;
export const OPTION = 2;
export const SUB = 3;
export const SUB_COMMAND = 4;

/** The state after `byte` inside a subnegotiation (SUB or SUB_COMMAND), which ends at IAC SE. */
export function inSubnegotiation(state: number, byte: number): number {
  if (state === SUB) return byte === IAC ? SUB_COMMAND : SUB;
  return byte === SE ? DATA : SUB; // IAC IAC inside is an escaped 0xFF, not the end
}

/** One connection's telnet state: made when its first 0xFF arrives, so other connections cost nothing. */
export class TelnetFilter {
  /** The peer has negotiated: from now on IAC starts a command. */
  private telnet = false;
  private state = DATA;
  /** The WILL, WONT, DO or DONT before an option byte. */
  private verb = 0;

  /** The data bytes of `chunk`: the chunk itself when nothing in it concerns telnet. */
  data(chunk: Uint8Array): Uint8Array {
    if (this.state === DATA && chunk.indexOf(IAC) === -1) return chunk;
    // Two more than the chunk: an IAC and a verb held from the last chunk may turn out to be data.
    const out = new Uint8Array(chunk.length + 2);
    let length = 0;
    for (const byte of chunk) {
      switch (this.state) {
        case DATA:
          if (byte === IAC) this.state = COMMAND;
          else out[length++] = byte;
          break;
        case COMMAND:
          this.state = DATA;
          if (byte === SB) {
            this.telnet = true;
            this.state = SUB;
          } else if (byte >= WILL && byte <= DONT) {
            this.verb = byte;
            this.state = OPTION;
          } else if (this.telnet && byte >= SE) {
            if (byte === IAC) out[length++] = IAC; // IAC IAC: the data byte 0xFF; any other is a two-byte command (NOP, IP, GA...)
          } else {
            // No telnet command: the 0xFF is data, and the byte after it is itself again.
            out[length++] = IAC;
            if (byte === IAC) this.state = COMMAND;
            else out[length++] = byte;
          }
          break;
        case OPTION:
          this.state = DATA;
          // No telnet sends a line's end for an option: before any negotiation, `\xff\xfe\n` from
          // a plain peer (Latin-1 `ÿþ` ending a line) is text, and its newline ends the line.
          if (!this.telnet && (byte === LF || byte === CR)) {
            out[length++] = IAC;
            out[length++] = this.verb;
            out[length++] = byte;
          } else this.telnet = true;
          break;
        default:
          this.state = inSubnegotiation(this.state, byte);
      }
    }
    return out.subarray(0, length);
  }

  /** What is still held at the end of the input: a last 0xFF that was no command (a verb without its option is one cut short). */
  end(): Uint8Array {
    const held = this.state === COMMAND && !this.telnet;
    this.state = DATA;
    return held ? Uint8Array.of(IAC) : new Uint8Array(0);
  }
}
