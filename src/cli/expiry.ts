/** How an expiry time is shown: local "2026-12-03 10:00 (in 3 days)". */
export function formatExpiry(expiresAt: number, now = Date.now()): string {
  const d = new Date(expiresAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const when = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${when} (${relative(expiresAt - now)})`;
}

function relative(ms: number): string {
  const past = ms < 0;
  const s = Math.abs(ms) / 1000;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const text =
    s < 90 ? unit(Math.round(s), 'second') : s < 3570 ? unit(Math.round(s / 60), 'minute') : s < 129600 ? unit(Math.round(s / 3600), 'hour') : unit(Math.round(s / 86400), 'day');
  return past ? `${text} ago` : `in ${text}`;
}

/** The first characters of a device id, enough to tell devices apart. */
export function shortDeviceId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…` : id;
}
