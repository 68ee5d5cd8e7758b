/** Errors the core raises, each with a stable `code` that callers and tests compare against. */

export class LineTooLongError extends Error {
  readonly code = 'LINE_TOO_LONG';
  /** `fatal` means the peer went past the hard limit without a newline and the connection must end. */
  constructor(
    readonly maxBytes: number,
    readonly fatal = false,
  ) {
    super(fatal ? `line too long: no newline within ${maxBytes} bytes` : `line too long (max ${maxBytes} bytes)`);
    this.name = 'LineTooLongError';
  }
}

/** A plain connection to a server that speaks TLS: it closes without a word, and retrying cannot mend that. */
export class ServerSpeaksTlsError extends Error {
  readonly code = 'SERVER_SPEAKS_TLS';
  constructor() {
    super('the server speaks TLS; use --tls');
    this.name = 'ServerSpeaksTlsError';
  }
}

/** A connection's first bytes are a TLS handshake, on a port that speaks plain text. */
export class SpeaksTlsError extends Error {
  readonly code = 'SPEAKS_TLS';
  constructor() {
    super('speaks TLS on a plain port');
    this.name = 'SpeaksTlsError';
  }
}
