// The event itself (name, theme, days, time zone), which the organizer edits.
// GET/PUT /v1/event come with the gateway half of issue 15; until the OpenAPI document
// has them this module types them itself, and a gateway without them (404) gives a
// neutral fallback so no page breaks.
import { ApiError, getToken } from "./client";

export interface EventLink {
  title: string;
  url: string;
}

export interface EventInfo {
  name: string;
  theme?: string;
  description?: string;
  time_zone: string;
  kickoff_day?: string | null;
  conference_days?: string[];
  contact?: { name?: string; email?: string } | null;
  links?: EventLink[];
}

export const FALLBACK_EVENT: EventInfo = {
  name: "Plenary",
  theme: "",
  description: "",
  time_zone: "UTC",
  kickoff_day: null,
  conference_days: [],
  links: [],
};

let cached: Promise<EventInfo> | null = null;

export function loadEvent(fresh = false): Promise<EventInfo> {
  if (!cached || fresh) {
    cached = fetch("/v1/event", { cache: fresh ? "no-cache" : "default" })
      .then(async (response) => (response.ok ? { ...FALLBACK_EVENT, ...(await response.json()) } : FALLBACK_EVENT))
      .catch(() => FALLBACK_EVENT);
  }
  return cached;
}

export async function saveEvent(event: EventInfo): Promise<EventInfo> {
  const response = await fetch("/v1/event", {
    method: "PUT",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${getToken("organizer") ?? ""}` },
    body: JSON.stringify(event),
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, body);
  cached = Promise.resolve({ ...FALLBACK_EVENT, ...body });
  return cached;
}

/** The event's days in order: kickoff first, then the conference days. */
export function eventDays(event: EventInfo): { day: string; label: string }[] {
  const days = (event.conference_days ?? []).map((day, i) => ({ day, label: `Day ${i + 1}` }));
  return event.kickoff_day ? [{ day: event.kickoff_day, label: "Kickoff" }, ...days] : days;
}
