/** Room names: `#` and 1 to 31 of `a-z 0-9 _ - .`, without regard to case (`#Dev` is `#dev`). */

export const MAX_ROOM_NAME_LENGTH = 31;
const ROOM_NAME = /^[a-z0-9_.-]{1,31}$/;

/** The room's name in its one form (`#` and lower case), `#` optional as given; undefined when it cannot be one. */
export function roomName(given: string): string | undefined {
  const bare = (given.startsWith('#') ? given.slice(1) : given).toLowerCase();
  return ROOM_NAME.test(bare) ? `#${bare}` : undefined;
}

/** Why `given` is no room name, in one line. */
export function invalidRoomReason(given: string): string {
  return `invalid room name ${given}: a room is # and up to ${MAX_ROOM_NAME_LENGTH} letters, digits, _ - or .`;
}
