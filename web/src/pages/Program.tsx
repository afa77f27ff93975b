import { Link, useSearchParams } from "react-router";
import { attendeeApi, ok, publicApi, type Schemas, type TimeZone } from "../api/client";
import { eventDays, loadEvent } from "../api/event";
import { ErrorNote, Loading, Select } from "../components/ui";
import { dayIn, formatDateTime, formatDay, formatTime, STATUS_LABELS, viewerZone } from "../format";
import { useLoad, useToken } from "../hooks";
import { useState } from "react";

export default function Program() {
  const [params, setParams] = useSearchParams();
  const track = params.get("track") ?? "";
  const day = params.get("day") ?? "";
  const token = useToken("attendee");
  const event = useLoad(() => loadEvent(), []);
  const tracks = useLoad(() => ok(publicApi.GET("/v1/tracks")), []);
  const zone = event.data?.time_zone ?? "UTC";
  const sessions = useLoad(
    () =>
      ok(
        publicApi.GET("/v1/sessions", {
          params: { query: { limit: 200, ...(track && { track }), ...(day && { day, tz: zone as TimeZone }) } },
        }),
      ),
    [track, day, zone],
  );
  const agenda = useLoad(
    () => (token ? ok(attendeeApi.GET("/v1/me/agenda")) : Promise.resolve([] as Schemas["Session"][])),
    [token],
  );
  const [notice, setNotice] = useState("");

  const days = event.data && eventDays(event.data).length ? eventDays(event.data) : [];
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const onAgenda = new Set(agenda.data?.map((s) => s.id));

  const toggle = async (s: Schemas["Session"]) => {
    const path = { params: { path: { session_id: s.id! } } };
    if (onAgenda.has(s.id)) {
      await ok(attendeeApi.DELETE("/v1/me/agenda/{session_id}", path));
      setNotice(`Removed “${s.title}” from your agenda.`);
    } else {
      const entry = await ok(attendeeApi.PUT("/v1/me/agenda/{session_id}", path));
      const clash = entry.overlaps?.length ? ` It overlaps ${entry.overlaps.map((o) => `“${o.title}”`).join(", ")}.` : "";
      setNotice(`Added “${s.title}” to your agenda.${clash}`);
    }
    agenda.reload();
  };

  return (
    <>
      <h1>Program</h1>
      <p>
        Times are in your time zone ({viewerZone}); the event runs on {zone} time.
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter the program">
        <Select
          label="Track"
          value={track}
          onChange={(e) => setFilter("track", e.target.value)}
          options={[["", "All tracks"], ...(tracks.data ?? []).map((t) => [t.id!, t.name!] as [string, string])]}
        />
        <Select
          label="Day"
          value={day}
          onChange={(e) => setFilter("day", e.target.value)}
          options={[["", "All days"], ...days.map((d) => [d.day, `${d.label} – ${formatDay(d.day)}`] as [string, string])]}
        />
      </form>
      <p role="status" aria-live="polite">{notice}</p>
      {sessions.loading && <Loading what="sessions" />}
      <ErrorNote error={sessions.error} />
      {sessions.data && sessions.data.items?.length === 0 && <p>No sessions match.</p>}
      <ul className="sessions">
        {sessions.data?.items?.map((s) => (
          <li key={s.id} className="card">
            <h2>
              <Link to={`/sessions/${s.id}`}>{s.title}</Link>
            </h2>
            <p className="meta">
              <span className={`status status-${s.status}`}>{STATUS_LABELS[s.status ?? ""] ?? s.status}</span> ·{" "}
              {formatDateTime(s.starts_at!)} – {formatTime(s.ends_at!)}
              {zone !== viewerZone && <> ({formatTime(s.starts_at!, zone)} event time, {dayIn(s.starts_at!, zone)})</>} · {s.track} · {s.kind}
            </p>
            {s.speakers && s.speakers.length > 0 && <p>With {s.speakers.map((p) => p.name).join(", ")}</p>}
            {token && s.status !== "cancelled" && (
              <button type="button" onClick={() => toggle(s).catch((e) => setNotice(e.message))}>
                {onAgenda.has(s.id) ? "Remove from my agenda" : "Add to my agenda"}
                <span className="visually-hidden">: {s.title}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
