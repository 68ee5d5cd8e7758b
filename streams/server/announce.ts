/** Joins, leaves and renames are announced to the room while it has at most this many members. */
export const DEFAULT_ANNOUNCE_MAX = 100;
