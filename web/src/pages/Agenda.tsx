import { useState } from "react";
import { Link } from "react-router";
import { attendeeApi, download, ok } from "../api/client";
import { SignInFirst } from "../components/Layout";
import { ErrorNote, Loading } from "../components/ui";
import { formatDateTime, formatTime, STATUS_LABELS } from "../format";
import { useLoad, useToken } from "../hooks";

export default function Agenda() {
  const token = useToken("attendee");
  const agenda = useLoad(() => (token ? ok(attendeeApi.GET("/v1/me/agenda")) : Promise.resolve([])), [token]);
  const [error, setError] = useState<Error | null>(null);
  if (!token) return <SignInFirst what="My agenda" />;
  const programFeed = `webcal://${window.location.host}/v1/sessions.ics`;
  return (
    <>
      <h1>My agenda</h1>
      <section aria-labelledby="calendar">
        <h2 id="calendar">In your calendar</h2>
        <p>
          <button type="button" onClick={() => download("/v1/me/agenda.ics", "attendee", "text/calendar", "my-agenda.ics").catch(setError)}>
            Download my agenda (.ics)
          </button>{" "}
          Import it into your calendar; download again after changes (events keep their ids, so they update).
        </p>
        <p>
          Subscribe to the whole program, kept up to date by your calendar:{" "}
          <a href={programFeed}>program calendar subscription</a> (<a href="/v1/sessions.ics">.ics</a>)
        </p>
        <ErrorNote error={error} />
      </section>
      <section aria-labelledby="sessions">
        <h2 id="sessions">Sessions</h2>
        {agenda.loading && <Loading what="your agenda" />}
        <ErrorNote error={agenda.error} />
        {agenda.data?.length === 0 && <p>Nothing yet. Add sessions from the <Link to="/program">program</Link>.</p>}
        <ul className="sessions">
          {agenda.data?.map((s) => (
            <li key={s.id} className="card">
              <h3><Link to={`/sessions/${s.id}`}>{s.title}</Link></h3>
              <p className="meta">
                <span className={`status status-${s.status}`}>{STATUS_LABELS[s.status ?? ""]}</span> · {formatDateTime(s.starts_at!)} – {formatTime(s.ends_at!)}
              </p>
              <button
                type="button"
                onClick={() => ok(attendeeApi.DELETE("/v1/me/agenda/{session_id}", { params: { path: { session_id: s.id! } } })).then(agenda.reload, setError)}
              >
                Remove<span className="visually-hidden"> {s.title}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
