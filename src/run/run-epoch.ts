const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A name for this server run, 8 base64url characters (48 random bits), that a resuming client
 * compares with the one it was given (streams/server/capability.ts). Math.random rather than
 * node:crypto, whose loading was some 5 ms of every start: the name is told to every client, it
 * need only differ from other runs' names.
 */
export function runEpoch(): string {
  let epoch = '';
  for (let i = 0; i < 8; i++) epoch += BASE64URL[Math.floor(Math.random() * BASE64URL.length)];
  return epoch;
}
