/** The secret-bearing commands: what comes before the secret, then the secret (to the end of the line). */
const SECRET = /^(\/(?:pass|register|identify\s+\S+)\s+)(.+)$/is;

/**
 * A typed line with the secret it holds (`/pass SECRET`, `/register SECRET`, `/identify NICK
 * SECRET`) starred out, one `*` per UTF-16 unit so the line keeps its length; any other line as
 * it is. What a terminal shows of such a line, and keeps in its history, instead of the secret.
 */
export function maskSecret(line: string): string {
  const match = SECRET.exec(line);
  return match ? match[1] + '*'.repeat(match[2].length) : line;
}
