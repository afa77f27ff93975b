import { useEffect, useState, type FormEvent } from "react";
import { Link, NavLink, Route, Routes, useNavigate, useParams, useSearchParams } from "react-router";
import { attendeeApi, ok, publicApi, type Schemas } from "../api/client";
import { SignInFirst } from "../components/Layout";
import { Checkbox, ErrorNote, Field, Loading, Select, TextArea } from "../components/ui";
import { formatDateTime, localInputToIso } from "../format";
import { useLoad, useToken } from "../hooks";
import { useLive } from "../live";

type Person = Schemas["Person"];
type Meeting = Schemas["AttendeeMeeting"];
type ProfileField = NonNullable<Schemas["ProfilePayload"]["shown_fields"]>[number];

// checkbox labels, distinct from the fields' own labels
const PROFILE_FIELDS: [ProfileField, string][] = [
  ["organization", "Show my organization"],
  ["job_title", "Show my job title"],
  ["interests", "Show my interests"],
  ["bio", "Show what I wrote about me"],
  ["looking_for", "Show what I am looking for"],
];
const MEETING_MINUTES: [string, string][] = [["15", "15 minutes"], ["30", "30 minutes"], ["45", "45 minutes"], ["60", "1 hour"]];

/** Attendees meeting each other: the directory, connections, messages, meetings. */
export default function Networking() {
  const token = useToken("attendee");
  if (!token) return <SignInFirst what="Networking" />;
  return (
    <>
      <h1>Networking</h1>
      <nav aria-label="Networking">
        <ul className="tabs">
          <li><NavLink end to="/networking">Directory</NavLink></li>
          <li><NavLink to="/networking/connections">Connections</NavLink></li>
          <li><NavLink to="/networking/messages">Messages</NavLink></li>
          <li><NavLink to="/networking/meetings">Meetings</NavLink></li>
          <li><NavLink to="/networking/profile">My networking profile</NavLink></li>
        </ul>
      </nav>
      <Routes>
        <Route index element={<Directory />} />
        <Route path="people/:attendeeId" element={<PersonPage />} />
        <Route path="connections" element={<Connections />} />
        <Route path="messages" element={<Conversations />} />
        <Route path="messages/:conversationId" element={<ConversationPage />} />
        <Route path="meetings" element={<Meetings />} />
        <Route path="profile" element={<MyNetworkingProfile />} />
      </Routes>
    </>
  );
}

function useInterests() {
  const interests = useLoad(() => ok(publicApi.GET("/v1/networking/interests")), []);
  const labels = new Map((interests.data ?? []).map((i) => [i.id, i.label]));
  return { list: interests.data ?? [], label: (id: string) => labels.get(id) ?? id };
}

// -- the directory ------------------------------------------------------------------------

function Directory() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const interest = params.get("interest") ?? "";
  const [typed, setTyped] = useState(q);
  const interests = useInterests();
  const me = useLoad(() => ok(attendeeApi.GET("/v1/me/profile")), []);
  const people = useLoad(
    () => ok(attendeeApi.GET("/v1/directory", { params: { query: { limit: 50, ...(q && { q }), ...(interest && { interest }) } } })),
    [q, interest],
  );
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next);
  };
  const items = people.data?.items ?? [];
  return (
    <section aria-labelledby="directory">
      <h2 id="directory">Directory</h2>
      {me.data && !me.data.listed && (
        <p className="consent">
          You are not in the directory, so others cannot find you. <Link to="/networking/profile">Set up your networking profile</Link> to be listed.
        </p>
      )}
      <form role="search" aria-label="The directory" className="filters" onSubmit={(e) => { e.preventDefault(); setFilter("q", typed.trim()); }}>
        <Field label="Name or organization" type="search" minLength={2} maxLength={100} value={typed} onChange={(e) => setTyped(e.target.value)} hint="At least 2 letters" />
        <Select
          label="Interest"
          value={interest}
          onChange={(e) => setFilter("interest", e.target.value)}
          options={[["", "Any interest"], ...interests.list.map((i) => [i.id, i.label] as [string, string])]}
        />
        <button type="submit">Search</button>
      </form>
      {people.loading && <Loading what="the directory" />}
      <ErrorNote error={people.error} />
      <p role="status" aria-live="polite">{people.data && `${items.length}${people.data.next_cursor ? "+" : ""} people`}</p>
      <ul className="cards" data-testid="directory">
        {items.map((p) => (
          <li key={p.attendee_id} className="card">
            <h3><Link to={`/networking/people/${p.attendee_id}`}>{p.full_name}</Link></h3>
            {(p.job_title || p.organization) && <p className="meta">{[p.job_title, p.organization].filter(Boolean).join(", ")}</p>}
            {p.interests && p.interests.length > 0 && <p>Interests: {p.interests.map(interests.label).join(", ")}</p>}
            {p.looking_for && <p>Looking for: {p.looking_for}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}

// -- one person: connect, message, propose a meeting ---------------------------------------

function PersonPage() {
  const { attendeeId = "" } = useParams();
  const person = useLoad(
    () => ok(attendeeApi.GET("/v1/directory/{attendee_id}", { params: { path: { attendee_id: attendeeId } } })),
    [attendeeId],
  );
  const interests = useInterests();
  const [notice, setNotice] = useState("");
  if (person.loading) return <Loading what="the profile" />;
  const p = person.data;
  if (!p) return <ErrorNote error={person.error} />;
  const name = p.full_name ?? "";
  return (
    <section aria-labelledby="person">
      <p><Link to="/networking">← Directory</Link></p>
      <h2 id="person">{name}</h2>
      {(p.job_title || p.organization) && <p className="meta">{[p.job_title, p.organization].filter(Boolean).join(", ")}</p>}
      {p.bio && <p>{p.bio}</p>}
      {p.looking_for && <p><strong>Looking for:</strong> {p.looking_for}</p>}
      {p.interests && p.interests.length > 0 && <p><strong>Interests:</strong> {p.interests.map(interests.label).join(", ")}</p>}
      <p data-testid="connection-state">
        {p.connection === "connected" && <>You are connected{p.email && <>: <a href={`mailto:${p.email}`}>{p.email}</a></>}.</>}
        {p.connection === "pending_out" && "You asked to connect; waiting for an answer."}
        {p.connection === "pending_in" && <>{name} asked to connect with you: <Link to="/networking/connections">answer</Link>.</>}
        {p.connection === "none" && "You are not connected."}
      </p>
      <p role="status" aria-live="polite">{notice}</p>
      {p.connection === "none" && <ConnectForm person={{ attendee_id: attendeeId, full_name: name }} onDone={(s) => { setNotice(s); person.reload(); }} />}
      <DirectMessageForm person={{ attendee_id: attendeeId, full_name: name }} />
      <MeetingForm person={{ attendee_id: attendeeId, full_name: name }} onDone={setNotice} />
    </section>
  );
}

function ConnectForm({ person, onDone }: { person: Person; onDone: (notice: string) => void }) {
  const [message, setMessage] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const result = await ok(attendeeApi.POST("/v1/me/connections", { body: { attendee_id: person.attendee_id!, message } }));
      setError(null);
      onDone(result.status === "connected" ? `You are now connected with ${person.full_name}.` : `Connection request sent to ${person.full_name}.`);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="connect">
      <h3 id="connect">Connect</h3>
      <p>Connected attendees see each other's email and can message each other.</p>
      <TextArea label={`A note to ${person.full_name} (optional)`} maxLength={300} value={message} onChange={(e) => setMessage(e.target.value)} />
      <button type="submit">Ask to connect</button>
      <ErrorNote error={error} />
    </form>
  );
}

function DirectMessageForm({ person }: { person: Person }) {
  const [body, setBody] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const navigate = useNavigate();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const sent = await ok(attendeeApi.POST("/v1/me/messages", { body: { to: person.attendee_id!, body } }));
      navigate(`/networking/messages/${sent.conversation_id}`);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="dm">
      <h3 id="dm">Send a message</h3>
      <TextArea label={`Message to ${person.full_name}`} required maxLength={2000} value={body} onChange={(e) => setBody(e.target.value)} />
      <button type="submit">Send message</button>
      <ErrorNote error={error} />
    </form>
  );
}

function MeetingForm({ person, onDone }: { person: Person; onDone: (notice: string) => void }) {
  const [slots, setSlots] = useState([{ at: "", minutes: "30" }]);
  const [message, setMessage] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const setSlot = (i: number, change: Partial<(typeof slots)[number]>) => setSlots(slots.map((s, j) => (i === j ? { ...s, ...change } : s)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const body = {
        with: person.attendee_id!,
        message,
        slots: slots.filter((s) => s.at).map((s) => {
          const starts = new Date(localInputToIso(s.at));
          return { starts_at: starts.toISOString(), ends_at: new Date(starts.getTime() + Number(s.minutes) * 60000).toISOString() };
        }),
      };
      await ok(attendeeApi.POST("/v1/me/meetings", { body }));
      setError(null);
      setSlots([{ at: "", minutes: "30" }]);
      setMessage("");
      onDone(`Meeting proposed to ${person.full_name}.`);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="propose">
      <h3 id="propose">Propose a meeting</h3>
      <p>Offer up to five times; {person.full_name} picks one. Times are in your time zone.</p>
      {slots.map((s, i) => (
        <fieldset key={i}>
          <legend>Time {i + 1}</legend>
          <Field label={`Time ${i + 1} starts`} type="datetime-local" required={i === 0} value={s.at} onChange={(e) => setSlot(i, { at: e.target.value })} />
          <Select label={`Time ${i + 1} lasts`} value={s.minutes} onChange={(e) => setSlot(i, { minutes: e.target.value })} options={MEETING_MINUTES} />
        </fieldset>
      ))}
      {slots.length < 5 && <button type="button" className="link" onClick={() => setSlots([...slots, { at: "", minutes: "30" }])}>Offer another time</button>}
      <TextArea label="What about (optional)" maxLength={500} value={message} onChange={(e) => setMessage(e.target.value)} />
      <button type="submit">Propose meeting</button>
      <ErrorNote error={error} />
    </form>
  );
}

// -- connections and requests ---------------------------------------------------------------

function Connections() {
  const incoming = useLoad(() => ok(attendeeApi.GET("/v1/me/connection-requests", { params: { query: { direction: "incoming" } } })), []);
  const outgoing = useLoad(() => ok(attendeeApi.GET("/v1/me/connection-requests", { params: { query: { direction: "outgoing" } } })), []);
  const connections = useLoad(() => ok(attendeeApi.GET("/v1/me/connections", { params: { query: { limit: 100 } } })), []);
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const act = async (what: Promise<unknown>, done: string) => {
    try {
      await what;
      setNotice(done);
      setError(null);
      incoming.reload();
      outgoing.reload();
      connections.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const path = (id: string) => ({ params: { path: { request_id: id } } });
  return (
    <>
      <p role="status" aria-live="polite">{notice}</p>
      <ErrorNote error={error ?? incoming.error ?? connections.error} />
      <section aria-labelledby="incoming">
        <h2 id="incoming">Requests to me</h2>
        {incoming.data?.items?.length === 0 && <p>No requests waiting.</p>}
        <ul className="cards" data-testid="incoming-requests">
          {incoming.data?.items?.map((r) => (
            <li key={r.id} className="card">
              <h3>{r.requester?.full_name}</h3>
              {r.message && <p>“{r.message}”</p>}
              <p className="meta">Asked {formatDateTime(r.created_at!)}</p>
              <button type="button" onClick={() => act(ok(attendeeApi.POST("/v1/me/connection-requests/{request_id}/accept", path(r.id!))), `Connected with ${r.requester?.full_name}.`)}>
                Accept<span className="visually-hidden"> {r.requester?.full_name}</span>
              </button>{" "}
              <button type="button" className="danger" onClick={() => act(ok(attendeeApi.POST("/v1/me/connection-requests/{request_id}/decline", path(r.id!))), `Declined ${r.requester?.full_name}.`)}>
                Decline<span className="visually-hidden"> {r.requester?.full_name}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="connections">
        <h2 id="connections">My connections</h2>
        {connections.data?.items?.length === 0 && <p>No connections yet. Find people in the <Link to="/networking">directory</Link>.</p>}
        <ul className="cards" data-testid="connections">
          {connections.data?.items?.map((c) => (
            <li key={c.attendee_id} className="card">
              <h3><Link to={`/networking/people/${c.attendee_id}`}>{c.full_name}</Link></h3>
              {c.organization && <p className="meta">{c.organization}</p>}
              <p><a href={`mailto:${c.email}`}>{c.email}</a></p>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="outgoing">
        <h2 id="outgoing">My requests</h2>
        {outgoing.data?.items?.length === 0 && <p>None pending.</p>}
        <ul>
          {outgoing.data?.items?.map((r) => (
            <li key={r.id}>
              {r.recipient?.full_name} (until {formatDateTime(r.expires_at!)}){" "}
              <button type="button" className="link" onClick={() => act(ok(attendeeApi.DELETE("/v1/me/connection-requests/{request_id}", path(r.id!))), `Withdrew the request to ${r.recipient?.full_name}.`)}>
                Withdraw<span className="visually-hidden"> the request to {r.recipient?.full_name}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

// -- direct messages ------------------------------------------------------------------------

function Conversations() {
  const live = useLive();
  const conversations = useLoad(() => ok(attendeeApi.GET("/v1/me/conversations", { params: { query: { limit: 50 } } })), []);
  useEffect(() => live.onDirectMessage(() => void conversations.reload()), [conversations.reload]);
  const items = conversations.data?.items ?? [];
  return (
    <section aria-labelledby="conversations">
      <h2 id="conversations">Messages</h2>
      {conversations.loading && <Loading what="your conversations" />}
      <ErrorNote error={conversations.error} />
      <p role="status">{conversations.data && `${conversations.data.unread_count ?? 0} unread`}</p>
      {conversations.data && items.length === 0 && <p>No messages yet. Write to someone from their page in the <Link to="/networking">directory</Link>.</p>}
      <ul className="cards" data-testid="conversations">
        {items.map((c) => (
          <li key={c.id} className={c.unread_count ? "card unread" : "card"}>
            <h3>
              <Link to={`/networking/messages/${c.id}`}>{c.other?.full_name}</Link>
              {c.unread_count ? <span className="meta"> · {c.unread_count} unread</span> : null}
            </h3>
            {c.last_message?.body && <p>{c.last_message.body}</p>}
            <p className="meta">{formatDateTime(c.updated_at!)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ConversationPage() {
  const { conversationId = "" } = useParams();
  const live = useLive();
  const path = { params: { path: { conversation_id: conversationId } } };
  const me = useLoad(() => ok(attendeeApi.GET("/v1/me/profile")), []);
  const conversations = useLoad(() => ok(attendeeApi.GET("/v1/me/conversations", { params: { query: { limit: 100 } } })), []);
  const page = useLoad(() => ok(attendeeApi.GET("/v1/me/conversations/{conversation_id}/messages", { params: { ...path.params, query: { limit: 100 } } })), [conversationId]);
  const [messages, setMessages] = useState<Schemas["DirectMessage"][]>([]);
  const [body, setBody] = useState("");
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => setMessages([...(page.data?.items ?? [])].reverse()), [page.data]); // oldest first
  useEffect(() => {
    attendeeApi.POST("/v1/me/conversations/{conversation_id}/read", path).catch(() => undefined);
  }, [conversationId, messages.length]);
  useEffect(
    () =>
      live.onDirectMessage((m) => {
        if (m.conversation_id !== conversationId) return;
        const arrived = { id: m.message_id, conversation_id: m.conversation_id, sender_id: m.sender_id, body: m.body, sent_at: m.sent_at };
        setMessages((current) => (current.some((c) => c.id === arrived.id) ? current : [...current, arrived]));
      }),
    [conversationId],
  );

  const other = conversations.data?.items?.find((c) => c.id === conversationId)?.other;
  const myId = me.data?.attendee_id;
  const send = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const sent = await ok(attendeeApi.POST("/v1/me/conversations/{conversation_id}/messages", { ...path, body: { body } }));
      setMessages((current) => (current.some((c) => c.id === sent.id) ? current : [...current, sent]));
      setBody("");
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section aria-labelledby="conversation">
      <p><Link to="/networking/messages">← All messages</Link></p>
      <h2 id="conversation">Conversation{other?.full_name && ` with ${other.full_name}`}</h2>
      {page.loading && <Loading what="the messages" />}
      <ErrorNote error={page.error} />
      <ol className="messages" aria-live="polite" data-testid="direct-messages">
        {messages.map((m) => (
          <li key={m.id} className={m.hidden ? "card hidden-message" : "card"}>
            <p className="meta">
              {m.sender_id === myId ? "You" : other?.full_name ?? "They"} · {formatDateTime(m.sent_at!)}
            </p>
            <p>{m.hidden ? "(hidden by the organizers)" : m.body}</p>
          </li>
        ))}
      </ol>
      <form onSubmit={send} aria-label="Reply">
        <TextArea label="Message" required maxLength={2000} value={body} onChange={(e) => setBody(e.target.value)} />
        <button type="submit">Send</button>
        <ErrorNote error={error} />
      </form>
    </section>
  );
}

// -- meetings between attendees -----------------------------------------------------------------

function Meetings() {
  const me = useLoad(() => ok(attendeeApi.GET("/v1/me/profile")), []);
  const meetings = useLoad(() => ok(attendeeApi.GET("/v1/me/meetings", { params: { query: { limit: 50 } } })), []);
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const act = async (what: Promise<Meeting>, done: string) => {
    try {
      await what;
      setNotice(done);
      setError(null);
      meetings.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const items = meetings.data?.items ?? [];
  return (
    <section aria-labelledby="meetings">
      <h2 id="meetings">Meetings</h2>
      <p>Meetings you accept are in your <Link to="/agenda">agenda's calendar feed</Link>.</p>
      <p role="status" aria-live="polite">{notice}</p>
      <ErrorNote error={error ?? meetings.error} />
      {meetings.data && items.length === 0 && <p>No meetings yet. Propose one from someone's page in the <Link to="/networking">directory</Link>.</p>}
      <ul className="cards" data-testid="meetings">
        {items.map((m) => (
          <MeetingCard key={m.id} meeting={m} myId={me.data?.attendee_id} act={act} />
        ))}
      </ul>
    </section>
  );
}

function MeetingCard({ meeting: m, myId, act }: { meeting: Meeting; myId?: string; act: (what: Promise<Meeting>, done: string) => void }) {
  const [slot, setSlot] = useState(0);
  const invited = m.invitee?.attendee_id === myId;
  const other = invited ? m.organizer : m.invitee;
  const path = { params: { path: { meeting_id: m.id! } } };
  return (
    <li className="card">
      <h3>{invited ? `${other?.full_name} invited you` : `With ${other?.full_name}`}</h3>
      <p className="meta" data-testid="meeting-status">{m.status}</p>
      {m.message && <p>“{m.message}”</p>}
      {m.status === "accepted" && m.starts_at && (
        <p>
          {formatDateTime(m.starts_at)} – {formatDateTime(m.ends_at!)}
          {m.room_url && <> · <a href={m.room_url}>Join the meeting room</a></>}
        </p>
      )}
      {m.status === "proposed" && invited && (
        <fieldset>
          <legend>Pick a time</legend>
          {m.slots?.map((s, i) => (
            <div className="check" key={i}>
              <input type="radio" id={`${m.id}-slot-${i}`} name={`${m.id}-slot`} checked={slot === i} onChange={() => setSlot(i)} />
              <label htmlFor={`${m.id}-slot-${i}`}>{formatDateTime(s.starts_at!)} – {formatDateTime(s.ends_at!)}</label>
            </div>
          ))}
          <button type="button" onClick={() => act(ok(attendeeApi.POST("/v1/me/meetings/{meeting_id}/accept", { ...path, body: { slot } })), `Meeting with ${other?.full_name} accepted.`)}>
            Accept<span className="visually-hidden"> the meeting with {other?.full_name}</span>
          </button>{" "}
          <button type="button" className="danger" onClick={() => act(ok(attendeeApi.POST("/v1/me/meetings/{meeting_id}/decline", path)), `Meeting with ${other?.full_name} declined.`)}>
            Decline<span className="visually-hidden"> the meeting with {other?.full_name}</span>
          </button>
        </fieldset>
      )}
      {m.status === "proposed" && !invited && (
        <ul>{m.slots?.map((s, i) => <li key={i}>{formatDateTime(s.starts_at!)} – {formatDateTime(s.ends_at!)}</li>)}</ul>
      )}
      {(m.status === "proposed" || m.status === "accepted") && (
        <button type="button" className="link" onClick={() => act(ok(attendeeApi.POST("/v1/me/meetings/{meeting_id}/cancel", path)), `Meeting with ${other?.full_name} cancelled.`)}>
          Cancel<span className="visually-hidden"> the meeting with {other?.full_name}</span>
        </button>
      )}
    </li>
  );
}

// -- my networking profile ------------------------------------------------------------------

function MyNetworkingProfile() {
  const profile = useLoad(() => ok(attendeeApi.GET("/v1/me/profile")), []);
  if (!profile.data) return profile.error ? <ErrorNote error={profile.error} /> : <Loading what="your networking profile" />;
  return <ProfileForm initial={profile.data} />;
}

function ProfileForm({ initial }: { initial: Schemas["MyProfile"] }) {
  const interests = useInterests();
  const [form, setForm] = useState({
    listed: Boolean(initial.listed),
    job_title: initial.job_title ?? "",
    bio: initial.bio ?? "",
    looking_for: initial.looking_for ?? "",
    interests: initial.interests ?? [],
    shown_fields: (initial.shown_fields ?? PROFILE_FIELDS.map(([f]) => f)) as ProfileField[],
  });
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const saved = await ok(attendeeApi.PUT("/v1/me/profile", { body: form }));
      setNotice(saved.listed ? "Saved: you are in the directory." : "Saved: you are not in the directory.");
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="networking-profile">
      <h2 id="networking-profile">My networking profile</h2>
      <p>Listed attendees appear in the directory with their name and the fields they choose to show; their email only to their connections.</p>
      <Checkbox label="List me in the directory" checked={form.listed} onChange={(e) => setForm({ ...form, listed: e.target.checked })} />
      <Field label="Job title" maxLength={120} value={form.job_title} onChange={(e) => setForm({ ...form, job_title: e.target.value })} />
      <TextArea label="About me" maxLength={500} value={form.bio} onChange={(e) => setForm({ ...form, bio: e.target.value })} />
      <TextArea label="What I am looking for" maxLength={300} value={form.looking_for} onChange={(e) => setForm({ ...form, looking_for: e.target.value })} />
      <fieldset>
        <legend>My interests</legend>
        {interests.list.map((i) => (
          <Checkbox key={i.id} label={i.label} checked={form.interests.includes(i.id)} onChange={(e) => setForm({ ...form, interests: toggle(form.interests, i.id, e.target.checked) })} />
        ))}
      </fieldset>
      <fieldset>
        <legend>Show in the directory</legend>
        {PROFILE_FIELDS.map(([field, label]) => (
          <Checkbox key={field} label={label} checked={form.shown_fields.includes(field)} onChange={(e) => setForm({ ...form, shown_fields: toggle(form.shown_fields, field, e.target.checked) })} />
        ))}
      </fieldset>
      <button type="submit">Save networking profile</button>
      <p role="status" aria-live="polite">{notice}</p>
      <ErrorNote error={error} />
    </form>
  );
}
