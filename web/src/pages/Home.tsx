import { Link } from "react-router";
import { ok, publicApi } from "../api/client";
import { eventDays, loadEvent } from "../api/event";
import { ErrorNote, Loading } from "../components/ui";
import { formatDay } from "../format";
import { useLoad } from "../hooks";

export default function Home() {
  const event = useLoad(() => loadEvent(), []);
  const tracks = useLoad(() => ok(publicApi.GET("/v1/tracks")), []);
  const e = event.data;
  return (
    <>
      <section aria-labelledby="event-name" className="hero">
        <h1 id="event-name">{e?.name ?? "…"}</h1>
        {e?.theme && <p className="theme">{e.theme}</p>}
        {e && eventDays(e).length > 0 && (
          <p>
            {formatDay(eventDays(e)[0].day)} – {formatDay(eventDays(e).at(-1)!.day)} · times in {e.time_zone}
          </p>
        )}
        {e?.description?.split("\n\n").map((para, i) => <p key={i}>{para}</p>)}
        <p>
          <Link className="button" to="/register">Register</Link> <Link className="button secondary" to="/program">See the program</Link>
        </p>
      </section>
      <section aria-labelledby="tracks">
        <h2 id="tracks">Tracks</h2>
        {tracks.loading && <Loading what="tracks" />}
        <ErrorNote error={tracks.error} />
        <ul className="cards">
          {tracks.data?.map((t) => (
            <li key={t.id} className="card">
              <h3>
                <Link to={`/program?track=${encodeURIComponent(t.id ?? "")}`}>{t.name}</Link>
              </h3>
              <p>{t.description}</p>
            </li>
          ))}
        </ul>
      </section>
      {e?.links && e.links.length > 0 && (
        <section aria-labelledby="links">
          <h2 id="links">Good to know</h2>
          <ul>
            {e.links.map((l) => (
              <li key={l.url}><a href={l.url}>{l.title}</a></li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
