/** When a ban or a mute ends, as people read it: `until 2026-12-05 14:00 UTC` (seconds only when there are some), or `until further notice`. */
export function formatUntil(until: number | undefined): string {
  if (until === undefined) return 'until further notice';
  const iso = new Date(until).toISOString(); // 2026-12-05T14:00:30.000Z
  const seconds = iso.slice(17, 19);
  return `until ${iso.slice(0, 10)} ${iso.slice(11, seconds === '00' ? 16 : 19)} UTC`;
}
