// Times: the API speaks ISO 8601 with offsets; people read them in their own zone,
// with the event's zone beside it.
export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export function formatDateTime(iso: string, zone = viewerZone): string {
  return new Intl.DateTimeFormat("en", {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone,
    timeZoneName: "short",
  }).format(new Date(iso));
}

export function formatTime(iso: string, zone = viewerZone): string {
  return new Intl.DateTimeFormat("en", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone,
    timeZoneName: "short",
  }).format(new Date(iso));
}

export function formatDay(day: string): string {
  return new Intl.DateTimeFormat("en", {
    weekday: "long",
    month: "long",
    day: "numeric",
    year: "numeric",
    timeZone: "UTC",
  }).format(new Date(`${day}T12:00:00Z`));
}

/** The calendar day (YYYY-MM-DD) of an instant in a zone. */
export function dayIn(iso: string, zone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date(iso));
}

/** `<input type="datetime-local">` value (viewer's zone) -> ISO 8601 with offset. */
export function localInputToIso(value: string): string {
  return new Date(value).toISOString();
}

export function isoToLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export const STATUS_LABELS: Record<string, string> = {
  scheduled: "Scheduled",
  starting: "Starting soon",
  live: "Live now",
  ended: "Ended",
  cancelled: "Cancelled",
};
