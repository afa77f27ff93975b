// The event itself (name, theme, days, time zone, contact, links), which the organizer
// edits: GET /v1/event (public) and PUT /v1/event (organizer). A gateway that cannot
// answer gives a neutral fallback, so no page breaks on it.
import { ok, organizerApi, publicApi, type Schemas, type TimeZone } from "./client";

export type EventInfo = Schemas["EventDetails"] & { name: string; time_zone: string };
export type EventLink = Schemas["EventLinkView"];

export const FALLBACK_EVENT: EventInfo = {
  name: "Plenary",
  theme: "",
  description: "",
  time_zone: "UTC",
  kickoff_day: null,
  conference_days: [],
  contact: { name: "", email: null, phone: "", url: null },
  links: [],
};

let cached: Promise<EventInfo> | null = null;

function complete(event: Schemas["EventDetails"]): EventInfo {
  return { ...FALLBACK_EVENT, ...event } as EventInfo;
}

export function loadEvent(fresh = false): Promise<EventInfo> {
  if (!cached || fresh) {
    cached = ok(publicApi.GET("/v1/event", { cache: fresh ? "no-cache" : "default" }))
      .then(complete)
      .catch(() => FALLBACK_EVENT);
  }
  return cached;
}

/** Save the whole event; empty optional fields go as null (the API refuses "" for them). */
export async function saveEvent(event: EventInfo): Promise<EventInfo> {
  const contact = event.contact ?? {};
  const body: Schemas["EventPayload"] = {
    name: event.name,
    theme: event.theme ?? "",
    description: event.description ?? "",
    time_zone: event.time_zone as TimeZone,
    kickoff_day: event.kickoff_day || null,
    conference_days: event.conference_days ?? [],
    contact: {
      name: contact.name ?? "",
      email: contact.email || null,
      phone: contact.phone ?? "",
      url: contact.url || null,
    },
    links: (event.links ?? []).map((l) => ({ title: l.title ?? "", url: l.url ?? "" })),
  };
  const saved = complete(await ok(organizerApi.PUT("/v1/event", { body })));
  cached = Promise.resolve(saved);
  window.dispatchEvent(new Event("plenary-event"));
  return saved;
}

/** The event's days in order: kickoff first, then the conference days. */
export function eventDays(event: EventInfo): { day: string; label: string }[] {
  const days = (event.conference_days ?? []).map((day, i) => ({ day, label: `Day ${i + 1}` }));
  return event.kickoff_day ? [{ day: event.kickoff_day, label: "Kickoff" }, ...days] : days;
}
