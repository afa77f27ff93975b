import { Link } from "react-router";
import { ok, publicApi } from "../api/client";
import { eventDays, loadEvent } from "../api/event";
import { ErrorNote, Loading } from "../components/ui";
import { formatDay, viewerZone } from "../format";
import { useLoad, useToken } from "../hooks";

export default function Home() {
  const event = useLoad(() => loadEvent(), []);
  const tracks = useLoad(() => ok(publicApi.GET("/v1/tracks")), []);
  const signedIn = Boolean(useToken("attendee"));
  const e = event.data;
  const days = e ? eventDays(e) : [];
  const contact = e?.contact;
  return (
    <>
      <section aria-labelledby="event-name" className="hero">
        <h1 id="event-name">{e?.name ?? "…"}</h1>
        {e?.theme && <p className="theme">{e.theme}</p>}
        {days.length > 0 && (
          <p data-testid="event-dates">
            {formatDay(days[0].day)}
            {days.length > 1 && <> – {formatDay(days.at(-1)!.day)}</>}
          </p>
        )}
        {e && (
          <p data-testid="event-zone">
            The event runs on {e.time_zone} time
            {e.time_zone !== viewerZone && <>; the program shows times in yours ({viewerZone}) too</>}.
          </p>
        )}
        {e?.description?.split("\n\n").map((para, i) => <p key={i}>{para}</p>)}
        <p>
          {signedIn ? <Link className="button" to="/agenda">My agenda</Link> : <Link className="button" to="/register">Register</Link>}{" "}
          <Link className="button secondary" to="/program">See the program</Link>
        </p>
      </section>
      {days.length > 0 && (
        <section aria-labelledby="days">
          <h2 id="days">The days</h2>
          <ol className="days">
            {days.map((d) => (
              <li key={d.day}>
                <Link to={`/program?day=${d.day}`}>{d.label}: {formatDay(d.day)}</Link>
              </li>
            ))}
          </ol>
        </section>
      )}
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
      {contact && (contact.email || contact.phone || contact.url) && (
        <section aria-labelledby="contact">
          <h2 id="contact">Contact</h2>
          <address data-testid="event-contact">
            {contact.name && <>{contact.name}<br /></>}
            {contact.email && <><a href={`mailto:${contact.email}`}>{contact.email}</a><br /></>}
            {contact.phone && <><a href={`tel:${contact.phone.replace(/[^0-9+]/g, "")}`}>{contact.phone}</a><br /></>}
            {contact.url && <a href={contact.url}>{contact.url}</a>}
          </address>
        </section>
      )}
      <p><Link to="/faq">Questions? See the FAQ.</Link></p>
    </>
  );
}
