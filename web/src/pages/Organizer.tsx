import { useState, type FormEvent } from "react";
import { Link, NavLink, Route, Routes } from "react-router";
import { download, ok, organizerApi, publicApi, setToken, type RestrictedTicketType, type Schemas } from "../api/client";
import { eventDays, loadEvent, saveEvent, type EventInfo } from "../api/event";
import { Checkbox, DayChart, ErrorNote, Field, Loading, Select, TextArea } from "../components/ui";
import { formatDateTime, isoToLocalInput, localInputToIso, STATUS_LABELS } from "../format";
import { useLoad, useToken } from "../hooks";

const KINDS: [string, string][] = ["keynote", "panel", "workshop", "networking", "expo-hours"].map((k) => [k, k]);

export default function OrganizerPortal() {
  const token = useToken("organizer");
  if (!token) return <OrganizerSignIn />;
  return (
    <>
      <h1>Organizer portal</h1>
      <nav aria-label="Organizer">
        <ul className="tabs">
          <li><NavLink end to="/organizer">Program</NavLink></li>
          <li><NavLink to="/organizer/announcements">Announcements</NavLink></li>
          <li><NavLink to="/organizer/attendees">Attendees and stats</NavLink></li>
          <li><NavLink to="/organizer/moderation">Moderation</NavLink></li>
          <li><NavLink to="/organizer/event">The event</NavLink></li>
          <li><button type="button" className="link" onClick={() => setToken("organizer", null)}>Sign out</button></li>
        </ul>
      </nav>
      <Routes>
        <Route index element={<ProgramEditor />} />
        <Route path="announcements" element={<Announcements />} />
        <Route path="attendees" element={<Attendees />} />
        <Route path="moderation" element={<Moderation />} />
        <Route path="event" element={<EventEditor />} />
      </Routes>
    </>
  );
}

function OrganizerSignIn() {
  const [token, setValue] = useState("");
  return (
    <>
      <h1>Organizer portal</h1>
      <form onSubmit={(e) => { e.preventDefault(); setToken("organizer", token.trim()); }} aria-label="Organizer sign-in">
        <Field label="Organizer token" type="password" autoComplete="off" required value={token} onChange={(e) => setValue(e.target.value)} hint="Printed by make run, or set as PLENARY_ORGANIZER_TOKEN." />
        <button type="submit">Sign in</button>
      </form>
    </>
  );
}

type SessionDraft = { title: string; abstract: string; track: string; kind: string; starts_at: string; ends_at: string; capacity: string; stream_url: string; speaker: string };
const EMPTY: SessionDraft = { title: "", abstract: "", track: "", kind: "panel", starts_at: "", ends_at: "", capacity: "", stream_url: "", speaker: "" };

function ProgramEditor() {
  const tracks = useLoad(() => ok(publicApi.GET("/v1/tracks")), []);
  const sessions = useLoad(() => ok(publicApi.GET("/v1/sessions", { params: { query: { limit: 200 } }, cache: "no-cache" })), []);
  const [draft, setDraft] = useState<SessionDraft>(EMPTY);
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const set = (name: keyof SessionDraft) => (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      title: draft.title,
      abstract: draft.abstract,
      track: draft.track || tracks.data?.[0]?.id || "",
      kind: draft.kind as Schemas["NewSession"]["kind"],
      starts_at: localInputToIso(draft.starts_at),
      ends_at: localInputToIso(draft.ends_at),
      capacity: draft.capacity ? Number(draft.capacity) : null,
      stream_url: draft.stream_url || null,
      ...(draft.speaker && { speakers: [{ name: draft.speaker }] }),
    };
    try {
      const saved = editing
        ? await ok(organizerApi.PATCH("/v1/sessions/{session_id}", { params: { path: { session_id: editing } }, body }))
        : await ok(organizerApi.POST("/v1/sessions", { body }));
      setNotice(`${editing ? "Saved" : "Scheduled"} “${saved.title}”.`);
      setDraft(EMPTY);
      setEditing(null);
      setError(null);
      sessions.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const edit = (s: Schemas["Session"]) => {
    setEditing(s.id!);
    setDraft({ title: s.title!, abstract: s.abstract ?? "", track: s.track!, kind: s.kind!, starts_at: isoToLocalInput(s.starts_at!), ends_at: isoToLocalInput(s.ends_at!), capacity: s.capacity ? String(s.capacity) : "", stream_url: "", speaker: s.speakers?.[0]?.name ?? "" });
  };
  const cancel = (s: Schemas["Session"]) =>
    ok(organizerApi.DELETE("/v1/sessions/{session_id}", { params: { path: { session_id: s.id! }, query: {} as never } })).then(() => {
      setNotice(`Cancelled “${s.title}”.`);
      sessions.reload();
    }, setError);

  return (
    <>
      <form onSubmit={submit} aria-labelledby="session-form">
        <h2 id="session-form">{editing ? "Edit the session" : "Schedule a session"}</h2>
        <Field label="Title" required value={draft.title} onChange={set("title")} />
        <TextArea label="Abstract" value={draft.abstract} onChange={set("abstract")} />
        <Select label="Track" value={draft.track} onChange={set("track")} options={(tracks.data ?? []).map((t) => [t.id!, t.name!] as [string, string])} />
        <Select label="Kind" value={draft.kind} onChange={set("kind")} options={KINDS} />
        <Field label="Starts (your time zone)" type="datetime-local" required value={draft.starts_at} onChange={set("starts_at")} />
        <Field label="Ends (your time zone)" type="datetime-local" required value={draft.ends_at} onChange={set("ends_at")} />
        <Field label="Capacity" type="number" min={1} value={draft.capacity} onChange={set("capacity")} />
        <Field label="Stream URL" type="url" value={draft.stream_url} onChange={set("stream_url")} hint={editing ? "Leave empty to keep the current one." : undefined} />
        <Field label="Speaker name" value={draft.speaker} onChange={set("speaker")} />
        <button type="submit">{editing ? "Save changes" : "Schedule session"}</button>{" "}
        {editing && <button type="button" onClick={() => { setEditing(null); setDraft(EMPTY); }}>Stop editing</button>}
      </form>
      <p role="status" aria-live="polite">{notice}</p>
      <ErrorNote error={error} />
      <h2>The program</h2>
      {sessions.loading && <Loading what="sessions" />}
      <table data-testid="organizer-sessions">
        <thead><tr><th scope="col">Title</th><th scope="col">Track</th><th scope="col">Starts</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {sessions.data?.items?.map((s) => (
            <tr key={s.id}>
              <td><Link to={`/sessions/${s.id}`}>{s.title}</Link></td>
              <td>{s.track}</td>
              <td>{formatDateTime(s.starts_at!)}</td>
              <td>{STATUS_LABELS[s.status ?? ""]}</td>
              <td>
                <button type="button" onClick={() => edit(s)}>Edit<span className="visually-hidden"> {s.title}</span></button>{" "}
                {s.status !== "cancelled" && s.status !== "ended" && (
                  <button type="button" className="danger" onClick={() => cancel(s)}>Cancel<span className="visually-hidden"> {s.title}</span></button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Announcements() {
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const sent = await ok(organizerApi.POST("/v1/announcements", { body: { title, body } }));
      setNotice(`Announced “${sent.title}” to ${sent.recipients ?? "every"} attendee(s).`);
      setTitle("");
      setBody("");
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="announce">
      <h2 id="announce">Announce to every attendee</h2>
      <Field label="Title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      <TextArea label="Message" required value={body} onChange={(e) => setBody(e.target.value)} />
      <button type="submit">Send announcement</button>
      <p role="status" aria-live="polite">{notice}</p>
      <ErrorNote error={error} />
    </form>
  );
}

const RESTRICTED_TICKETS: [string, string][] = ["speaker", "exhibitor_staff", "complimentary"].map((t) => [t, t]);

// Restricted ticket types need a code: issued here, shown once (only its hash is kept).
function TicketCodes() {
  const [ticketType, setTicketType] = useState("speaker");
  const [uses, setUses] = useState("1");
  const [issued, setIssued] = useState<Schemas["TicketCode"] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const path = { ticket_type: ticketType as RestrictedTicketType };
      setIssued(await ok(organizerApi.POST("/v1/ticket-types/{ticket_type}/codes", { params: { path }, body: { max_uses: Number(uses) } })));
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Issue a ticket code" className="filters">
      <Select label="Restricted ticket type" value={ticketType} onChange={(e) => setTicketType(e.target.value)} options={RESTRICTED_TICKETS} />
      <Field label="Registrations it allows" type="number" min={1} max={10000} required value={uses} onChange={(e) => setUses(e.target.value)} />
      <button type="submit">Issue a code</button>
      {issued && <p role="status">Code for {issued.ticket_type} ({issued.max_uses} use{issued.max_uses === 1 ? "" : "s"}), shown once: <code>{issued.code}</code></p>}
      <ErrorNote error={error} />
    </form>
  );
}

function Attendees() {
  const [q, setQ] = useState("");
  const [search, setSearch] = useState("");
  const list = useLoad(() => ok(organizerApi.GET("/v1/attendees", { params: { query: { limit: 100, ...(search && { q: search }) } } })), [search]);
  const stats = useLoad(() => ok(organizerApi.GET("/v1/stats")), []);
  const tickets = useLoad(() => ok(organizerApi.GET("/v1/ticket-types")), []);
  const [error, setError] = useState<Error | null>(null);
  return (
    <>
      <section aria-labelledby="stats">
        <h2 id="stats">Registrations</h2>
        <ErrorNote error={stats.error} />
        {stats.data && (
          <>
            <p>{stats.data.active} active · {stats.data.cancelled} cancelled · {stats.data.erased} erased · {stats.data.registrations} in all</p>
            <DayChart title="Registrations per day" rows={(stats.data.registrations_by_day ?? []).map((d) => ({ day: d.day!, value: d.total ?? 0 }))} />
          </>
        )}
        {tickets.data && (
          <table>
            <caption>Ticket types</caption>
            <thead><tr><th scope="col">Ticket</th><th scope="col">Registered</th><th scope="col">Capacity</th><th scope="col">Remaining</th></tr></thead>
            <tbody>
              {tickets.data.map((t) => (
                <tr key={t.ticket_type}><td>{t.ticket_type}</td><td>{t.registered}</td><td>{t.capacity ?? "no limit"}</td><td>{t.remaining ?? "—"}</td></tr>
              ))}
            </tbody>
          </table>
        )}
        <TicketCodes />
      </section>
      <section aria-labelledby="attendees">
        <h2 id="attendees">Attendees</h2>
        <form role="search" className="filters" onSubmit={(e) => { e.preventDefault(); setSearch(q.trim()); }}>
          <Field label="Search by name, email or organization" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
          <button type="submit">Search</button>
          <button type="button" onClick={() => download(`/v1/attendees${search ? `?q=${encodeURIComponent(search)}` : ""}`, "organizer", "text/csv", "registrations.csv").catch(setError)}>Download CSV</button>
        </form>
        <ErrorNote error={list.error ?? error} />
        <table data-testid="attendees">
          <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Organization</th><th scope="col">Ticket</th><th scope="col">Status</th><th scope="col">Registered</th></tr></thead>
          <tbody>
            {list.data?.items?.map((a) => (
              <tr key={a.attendee_id}><td>{a.full_name}</td><td>{a.email}</td><td>{a.organization}</td><td>{a.ticket_type}</td><td>{a.status}</td><td>{a.registered_at && formatDateTime(a.registered_at)}</td></tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

function Moderation() {
  const sessions = useLoad(() => ok(publicApi.GET("/v1/sessions", { params: { query: { limit: 200 } } })), []);
  const [sessionId, setSessionId] = useState("");
  const messages = useLoad(
    () => (sessionId ? ok(organizerApi.GET("/v1/sessions/{session_id}/messages", { params: { path: { session_id: sessionId }, query: { limit: 200 } } })) : Promise.resolve(undefined)),
    [sessionId],
  );
  const [error, setError] = useState<Error | null>(null);
  const change = (m: Schemas["Message"], body: Schemas["MessageChanges"]) =>
    ok(organizerApi.PATCH("/v1/sessions/{session_id}/messages/{message_id}", { params: { path: { session_id: sessionId, message_id: m.id! } }, body })).then(messages.reload, setError);
  return (
    <section aria-labelledby="moderation">
      <h2 id="moderation">Moderation queue</h2>
      <Select label="Session" value={sessionId} onChange={(e) => setSessionId(e.target.value)} options={[["", "Choose a session"], ...(sessions.data?.items ?? []).map((s) => [s.id!, s.title!] as [string, string])]} />
      <ErrorNote error={messages.error ?? error} />
      <ul className="cards">
        {messages.data?.items?.map((m) => (
          <li key={m.id} className={m.hidden ? "card hidden-message" : "card"}>
            <p><strong>{m.author_name}</strong> ({m.kind}, {formatDateTime(m.posted_at!)}, {m.upvotes} upvotes): {m.body}</p>
            <Checkbox label="Hidden" checked={Boolean(m.hidden)} onChange={(e) => change(m, { hidden: e.target.checked })} />
            {m.kind === "question" && <Checkbox label="Answered" checked={Boolean(m.answered)} onChange={(e) => change(m, { answered: e.target.checked })} />}
          </li>
        ))}
      </ul>
      {messages.data?.items?.length === 0 && <p>No messages in this session.</p>}
    </section>
  );
}

function EventEditor() {
  const event = useLoad(() => loadEvent(true), []);
  if (!event.data) return <Loading what="the event" />;
  return <EventForm initial={event.data} />;
}

function EventForm({ initial }: { initial: EventInfo }) {
  const [e, setE] = useState(initial);
  const [days, setDays] = useState((initial.conference_days ?? []).join(", "));
  const [links, setLinks] = useState((initial.links ?? []).map((l) => `${l.title} | ${l.url}`).join("\n"));
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const contact = e.contact ?? {};
  const setContact = (change: Partial<typeof contact>) => setE({ ...e, contact: { ...contact, ...change } });
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    try {
      const saved = await saveEvent({
        ...e,
        conference_days: days.split(/[,\s]+/).map((d) => d.trim()).filter(Boolean),
        links: links.split("\n").filter((l) => l.includes("|")).map((l) => {
          const [title, ...url] = l.split("|");
          return { title: title.trim(), url: url.join("|").trim() };
        }),
      });
      setE(saved);
      setDays((saved.conference_days ?? []).join(", "));
      setNotice(`Saved “${saved.name}”: ${eventDays(saved).length} days, ${saved.time_zone} time.`);
      setError(null);
    } catch (err) {
      setNotice("");
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="event-form">
      <h2 id="event-form">The event</h2>
      <p>What the home page, the program and the calendar feeds show. Saving replaces the whole description.</p>
      <Field label="Name" required maxLength={200} value={e.name} onChange={(x) => setE({ ...e, name: x.target.value })} />
      <Field label="Theme" maxLength={200} value={e.theme ?? ""} onChange={(x) => setE({ ...e, theme: x.target.value })} />
      <TextArea label="Description" maxLength={5000} rows={5} value={e.description ?? ""} onChange={(x) => setE({ ...e, description: x.target.value })} />
      <Field label="Time zone (IANA, e.g. America/New_York)" required value={e.time_zone} onChange={(x) => setE({ ...e, time_zone: x.target.value })} />
      <Field label="Kickoff day" type="date" value={e.kickoff_day ?? ""} onChange={(x) => setE({ ...e, kickoff_day: x.target.value || null })} />
      <Field label="Conference days (comma-separated dates)" value={days} onChange={(x) => setDays(x.target.value)} hint="e.g. 2027-05-18, 2027-05-19" />
      <fieldset>
        <legend>Contact</legend>
        <Field label="Contact name" value={contact.name ?? ""} onChange={(x) => setContact({ name: x.target.value })} />
        <Field label="Contact email" type="email" value={contact.email ?? ""} onChange={(x) => setContact({ email: x.target.value })} />
        <Field label="Contact phone" type="tel" value={contact.phone ?? ""} onChange={(x) => setContact({ phone: x.target.value })} />
        <Field label="Contact web page" type="url" value={contact.url ?? ""} onChange={(x) => setContact({ url: x.target.value })} />
      </fieldset>
      <TextArea label="Links (one per line: title | URL)" value={links} onChange={(x) => setLinks(x.target.value)} />
      <button type="submit">Save the event</button>
      <p role="status" aria-live="polite">{notice}</p>
      <ErrorNote error={error} />
    </form>
  );
}
