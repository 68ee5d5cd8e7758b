import { MAX_ROOM_NAME_LENGTH, roomName } from '../../streams/server/room-name.js';

/** `--room NAME` (with or without `#`), as the core names rooms: `#` and lower case. Throws one sentence for a bad name. */
export function parseRoomOption(text: string): string {
  const name = roomName(String(text));
  if (name === undefined)
    throw new Error(`--room ${JSON.stringify(String(text))}: a room is # and up to ${MAX_ROOM_NAME_LENGTH} letters, digits, _ - or .`);
  return name;
}
