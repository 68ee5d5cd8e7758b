/** A room's name without its `#`: 1 to 31 letters, digits, `_`, `-` or `.` (as ROOMS.md fixes it). */
const ROOM_NAME = /^#?([a-z0-9_.-]{1,31})$/i;

/** `--room NAME` (with or without `#`), as the core names rooms: `#` and lower case. Throws one sentence for a bad name. */
export function parseRoomOption(text: string): string {
  const name = ROOM_NAME.exec(String(text))?.[1];
  if (name === undefined) throw new Error(`--room ${JSON.stringify(String(text))}: a room is # and up to 31 letters, digits, _ - or .`);
  return `#${name.toLowerCase()}`;
}
