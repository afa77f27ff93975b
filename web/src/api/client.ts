// The typed API client: paths and bodies come from schema.d.ts, generated from the
// gateway's OpenAPI document (`make web-client`; CI fails when it is stale).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
/** An IANA time zone, as the API lists them; a ticket type. */
export type TimeZone = Schemas["EventPayload"]["time_zone"];
export type TicketType = NonNullable<Schemas["Registration"]["ticket_type"]>;
/** A ticket type that needs an organizer's code (the only ones codes are issued for). */
export type RestrictedTicketType = paths["/v1/ticket-types/{ticket_type}/codes"]["post"]["parameters"]["path"]["ticket_type"];
export type Role = "attendee" | "exhibitor" | "organizer";

// Tokens live per tab in sessionStorage: never in a URL, gone when the tab closes.
const KEYS: Record<Role, string> = {
  attendee: "plenary.attendee_token",
  exhibitor: "plenary.exhibitor_key",
  organizer: "plenary.organizer_token",
};

export function getToken(role: Role): string | null {
  return sessionStorage.getItem(KEYS[role]);
}

export function setToken(role: Role, token: string | null) {
  if (token) sessionStorage.setItem(KEYS[role], token);
  else sessionStorage.removeItem(KEYS[role]);
  window.dispatchEvent(new Event("plenary-auth"));
}

export class ApiError extends Error {
  status: number;
  fields: Record<string, string[]>;

  constructor(status: number, problem: Partial<Schemas["Problem"]> | undefined) {
    super(problem?.detail || problem?.title || `Request failed (${status})`);
    this.status = status;
    this.fields = (problem?.errors as Record<string, string[]>) ?? {};
  }
}

function bearer(role: Role): Middleware {
  return {
    onRequest({ request }) {
      const token = getToken(role);
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      // a token the gateway no longer accepts is dropped, so the page asks to sign in
      if (response.status === 401 && getToken(role)) setToken(role, null);
      return response;
    },
  };
}

function client(role?: Role) {
  const c = createClient<paths>({ baseUrl: window.location.origin });
  if (role) c.use(bearer(role));
  return c;
}

export const publicApi = client();
export const attendeeApi = client("attendee");
export const exhibitorApi = client("exhibitor");
export const organizerApi = client("organizer");

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The data of an answer, or an ApiError carrying the problem body. */
export async function ok<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(response.status, error as Schemas["Problem"]);
  return data as T;
}

/** A download that needs a bearer token (CSV, iCalendar): fetched, then saved. */
export async function download(path: string, role: Role, accept: string, filename: string) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${getToken(role) ?? ""}`, Accept: accept },
  });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => undefined));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}

/** An attendee's consent (the document leaves it untyped: a computed field). */
export function consentOf(attendee: Schemas["Attendee"] | undefined): Partial<Schemas["Consent"]> {
  return (attendee?.consent ?? {}) as Partial<Schemas["Consent"]>;
}
