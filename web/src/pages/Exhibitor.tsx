import { useState, type FormEvent } from "react";
import { NavLink, Route, Routes } from "react-router";
import { download, exhibitorApi, ok, setToken, type Schemas } from "../api/client";
import { Checkbox, DayChart, ErrorNote, Field, Loading, Select, TextArea } from "../components/ui";
import { formatDateTime } from "../format";
import { useLoad, useToken } from "../hooks";

const ID_KEY = "plenary.exhibitor_id";
type WebhookEvent = Schemas["WebhookPayload"]["events"][number];
const WEBHOOK_EVENTS: WebhookEvent[] = ["lead.captured", "lead.updated", "meeting.requested", "meeting.answered"];

export default function ExhibitorPortal() {
  const key = useToken("exhibitor");
  const id = sessionStorage.getItem(ID_KEY);
  if (!key || !id) return <ExhibitorSignIn />;
  const signOut = () => {
    sessionStorage.removeItem(ID_KEY);
    setToken("exhibitor", null);
  };
  return (
    <>
      <h1>Exhibitor portal</h1>
      <nav aria-label="Exhibitor">
        <ul className="tabs">
          <li><NavLink end to="/exhibitor">Leads</NavLink></li>
          <li><NavLink to="/exhibitor/analytics">Analytics</NavLink></li>
          <li><NavLink to="/exhibitor/meetings">Meetings</NavLink></li>
          <li><NavLink to="/exhibitor/webhooks">Webhooks</NavLink></li>
          <li><button type="button" className="link" onClick={signOut}>Sign out</button></li>
        </ul>
      </nav>
      <Routes>
        <Route index element={<Leads id={id} />} />
        <Route path="analytics" element={<Analytics id={id} />} />
        <Route path="meetings" element={<Meetings id={id} />} />
        <Route path="webhooks" element={<Webhooks id={id} />} />
      </Routes>
    </>
  );
}

function ExhibitorSignIn() {
  const [id, setId] = useState("");
  const [key, setKey] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    sessionStorage.setItem(ID_KEY, id.trim());
    setToken("exhibitor", key.trim());
  };
  return (
    <>
      <h1>Exhibitor portal</h1>
      <form onSubmit={submit} aria-label="Exhibitor sign-in">
        <Field label="Exhibitor id" required value={id} onChange={(e) => setId(e.target.value)} />
        <Field label="API key" type="password" required autoComplete="off" hint="The pex_… key the organizer gave you." value={key} onChange={(e) => setKey(e.target.value)} />
        <button type="submit">Sign in</button>
      </form>
    </>
  );
}

function Leads({ id }: { id: string }) {
  const [minScore, setMinScore] = useState("");
  const [since, setSince] = useState("");
  const filters = { ...(minScore && { min_score: Number(minScore) }), ...(since && { since: new Date(since).toISOString() }) };
  const leads = useLoad(() => ok(exhibitorApi.GET("/v1/exhibitors/{exhibitor_id}/leads", { params: { path: { exhibitor_id: id }, query: { limit: 200, ...filters } } })), [id, minScore, since]);
  const [error, setError] = useState<Error | null>(null);
  const csv = () => {
    const query = new URLSearchParams(Object.entries(filters).map(([k, v]) => [k, String(v)]));
    download(`/v1/exhibitors/${encodeURIComponent(id)}/leads?${query}`, "exhibitor", "text/csv", `leads-${id}.csv`).catch(setError);
  };
  return (
    <section aria-labelledby="leads">
      <h2 id="leads">Leads</h2>
      <form className="filters" aria-label="Filter leads" onSubmit={(e) => e.preventDefault()}>
        <Field label="Minimum score" type="number" min={0} value={minScore} onChange={(e) => setMinScore(e.target.value)} />
        <Field label="Captured since" type="date" value={since} onChange={(e) => setSince(e.target.value)} />
        <button type="button" onClick={csv}>Download CSV</button>
      </form>
      <ErrorNote error={leads.error ?? error} />
      {leads.loading && <Loading what="leads" />}
      <table data-testid="leads">
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Organization</th><th scope="col">Score</th><th scope="col">Interactions</th><th scope="col">Last</th></tr>
        </thead>
        <tbody>
          {leads.data?.items?.map((l) => (
            <tr key={l.id}>
              <td>{l.attendee?.full_name}</td>
              <td>{l.attendee?.email}</td>
              <td>{l.attendee?.organization}</td>
              <td>{l.score}</td>
              <td>{l.interactions?.map((i) => i.kind).join(", ")}</td>
              <td>{l.updated_at && formatDateTime(l.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {leads.data?.items?.length === 0 && <p>No leads yet.</p>}
    </section>
  );
}

const METRICS: [keyof Schemas["BoothDay"], string][] = [
  ["visits", "Visits"],
  ["unique_visitors", "Unique visitors"],
  ["downloads", "Downloads"],
  ["meeting_requests", "Meeting requests"],
  ["leads", "New leads"],
];

function Analytics({ id }: { id: string }) {
  const [metric, setMetric] = useState<keyof Schemas["BoothDay"]>("visits");
  const data = useLoad(() => ok(exhibitorApi.GET("/v1/exhibitors/{exhibitor_id}/analytics", { params: { path: { exhibitor_id: id }, query: {} as never } })), [id]);
  const label = METRICS.find(([m]) => m === metric)![1];
  return (
    <section aria-labelledby="analytics">
      <h2 id="analytics">Booth analytics</h2>
      <ErrorNote error={data.error} />
      {data.data && (
        <>
          <p>
            Totals: {data.data.totals?.visits} visits, {data.data.totals?.downloads} downloads, {data.data.totals?.meeting_requests} meeting requests,{" "}
            {data.data.totals?.leads} leads.
          </p>
          <Select label="Show" value={metric} onChange={(e) => setMetric(e.target.value as typeof metric)} options={METRICS as [string, string][]} />
          <DayChart title={`${label} per day (UTC)`} rows={(data.data.days ?? []).map((d) => ({ day: d.day!, value: Number(d[metric] ?? 0) }))} />
        </>
      )}
    </section>
  );
}

function Meetings({ id }: { id: string }) {
  const meetings = useLoad(() => ok(exhibitorApi.GET("/v1/exhibitors/{exhibitor_id}/meetings", { params: { path: { exhibitor_id: id }, query: { limit: 100 } } })), [id]);
  const [error, setError] = useState<Error | null>(null);
  const answer = (m: Schemas["Meeting"], status: "accepted" | "declined", message: string) =>
    ok(
      exhibitorApi.POST("/v1/exhibitors/{exhibitor_id}/meetings/{meeting_id}/answer", {
        params: { path: { exhibitor_id: id, meeting_id: m.id! } },
        body: { status, message, accepted_time: status === "accepted" ? m.proposed_times?.[0] ?? null : null },
      }),
    ).then(meetings.reload, setError);
  return (
    <section aria-labelledby="meetings">
      <h2 id="meetings">Meeting requests</h2>
      <ErrorNote error={meetings.error ?? error} />
      {meetings.data?.items?.length === 0 && <p>No meeting requests yet.</p>}
      <ul className="cards">
        {meetings.data?.items?.map((m) => (
          <li key={m.id} className="card">
            <h3>{(m.attendee as { full_name?: string } | undefined)?.full_name ?? "An attendee"} — {m.status}</h3>
            <p>{m.message}</p>
            {m.proposed_times?.length ? <p>Proposed: {m.proposed_times.map((t) => formatDateTime(t)).join(", ")}</p> : null}
            {m.status === "pending" && <MeetingAnswerForm onAnswer={(status, message) => answer(m, status, message)} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function MeetingAnswerForm({ onAnswer }: { onAnswer: (s: "accepted" | "declined", message: string) => void }) {
  const [message, setMessage] = useState("");
  return (
    <div>
      <TextArea label="Reply" value={message} onChange={(e) => setMessage(e.target.value)} />
      <button type="button" onClick={() => onAnswer("accepted", message)}>Accept (first proposed time)</button>{" "}
      <button type="button" onClick={() => onAnswer("declined", message)}>Decline</button>
    </div>
  );
}

function Webhooks({ id }: { id: string }) {
  const hooks = useLoad(() => ok(exhibitorApi.GET("/v1/exhibitors/{exhibitor_id}/webhooks", { params: { path: { exhibitor_id: id } } })), [id]);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<WebhookEvent[]>(["lead.captured"]);
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const hook = await ok(exhibitorApi.POST("/v1/exhibitors/{exhibitor_id}/webhooks", { params: { path: { exhibitor_id: id } }, body: { url, events } }));
      setSecret(`Signing secret for ${hook.url} (shown once, store it now): ${hook.secret}`);
      setUrl("");
      hooks.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section aria-labelledby="webhooks">
      <h2 id="webhooks">Webhook endpoints</h2>
      <p role="status" className="secret">{secret}</p>
      <ErrorNote error={hooks.error ?? error} />
      {hooks.data?.map((h) => <WebhookCard key={h.id} id={id} hook={h} onSecret={setSecret} onChange={hooks.reload} />)}
      <form onSubmit={create} aria-labelledby="new-hook">
        <h3 id="new-hook">Add an endpoint</h3>
        <Field label="Endpoint URL" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
        <fieldset>
          <legend>Events</legend>
          {WEBHOOK_EVENTS.map((name) => (
            <Checkbox key={name} label={name} checked={events.includes(name)} onChange={(e) => setEvents(e.target.checked ? [...events, name] : events.filter((x) => x !== name))} />
          ))}
        </fieldset>
        <button type="submit">Add endpoint</button>
      </form>
    </section>
  );
}

function WebhookCard({ id, hook, onSecret, onChange }: { id: string; hook: Schemas["Webhook"]; onSecret: (s: string) => void; onChange: () => void }) {
  const path = { exhibitor_id: id, webhook_id: hook.id! };
  const deliveries = useLoad(() => ok(exhibitorApi.GET("/v1/exhibitors/{exhibitor_id}/webhooks/{webhook_id}/deliveries", { params: { path, query: { limit: 20 } } })), [hook.id]);
  const [error, setError] = useState<Error | null>(null);
  const [notice, setNotice] = useState("");
  const act = (p: Promise<unknown>, message: string) =>
    p.then(() => {
      setNotice(message);
      deliveries.reload();
    }, setError);
  const rotate = () =>
    ok(exhibitorApi.POST("/v1/exhibitors/{exhibitor_id}/webhooks/{webhook_id}/secret", { params: { path } })).then(
      (r) => onSecret(`New signing secret for ${hook.url} (shown once): ${r.secret}. The old one keeps signing until ${formatDateTime(r.previous_secret_expires_at!)}.`),
      setError,
    );
  return (
    <article className="card" aria-labelledby={`hook-${hook.id}`}>
      <h3 id={`hook-${hook.id}`}>{hook.url}</h3>
      <p className="meta">
        {hook.events?.join(", ")}
        {hook.disabled_at ? ` · disabled ${formatDateTime(hook.disabled_at)}` : hook.failing_since ? ` · failing since ${formatDateTime(hook.failing_since)}` : " · active"}
      </p>
      <p>
        <button type="button" onClick={() => act(ok(exhibitorApi.POST("/v1/exhibitors/{exhibitor_id}/webhooks/{webhook_id}/ping", { params: { path } })), "Ping sent.")}>Send a test ping</button>{" "}
        <button type="button" onClick={rotate}>Rotate secret</button>{" "}
        <button type="button" className="danger" onClick={() => ok(exhibitorApi.DELETE("/v1/exhibitors/{exhibitor_id}/webhooks/{webhook_id}", { params: { path } })).then(onChange, setError)}>
          Remove endpoint
        </button>
      </p>
      <p role="status">{notice}</p>
      <ErrorNote error={deliveries.error ?? error} />
      <table>
        <caption>Deliveries</caption>
        <thead>
          <tr><th scope="col">Event</th><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Action</th></tr>
        </thead>
        <tbody>
          {deliveries.data?.items?.map((d) => (
            <tr key={d.id}>
              <td>{d.event_type}</td>
              <td>{d.created_at && formatDateTime(d.created_at)}</td>
              <td data-testid="delivery-status">{d.status}</td>
              <td>
                {d.attempts?.map((a, i) => (
                  <span key={i} className="attempt">{a.status_code ?? a.error ?? "—"}{a.latency_ms != null && ` (${a.latency_ms} ms)`} </span>
                ))}
              </td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    act(ok(exhibitorApi.POST("/v1/exhibitors/{exhibitor_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", { params: { path: { ...path, delivery_id: d.id! } } })), `Replayed ${d.event_type}.`)
                  }
                >
                  Replay<span className="visually-hidden"> {d.event_type} delivery</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

