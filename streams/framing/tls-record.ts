/**
 * Whether bytes start with a TLS handshake record (a ClientHello): content type 22, then
 * version 3.0 to 3.4 (SSL 3.0 to TLS 1.3 all say 3.x there). No text starts this way: 22 is a
 * control character, so a client that sends it first speaks TLS, not chat.
 */
export function startsTlsHandshake(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x16 && bytes[1] === 0x03 && bytes[2] <= 0x04;
}
