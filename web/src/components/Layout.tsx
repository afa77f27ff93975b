import { useEffect, useState } from "react";
import { Link, NavLink, Outlet, useLocation } from "react-router";
import { attendeeApi, setToken } from "../api/client";
import { loadEvent, type EventInfo } from "../api/event";
import { useToken } from "../hooks";
import { useLive } from "../live";

export default function Layout() {
  const token = useToken("attendee");
  const live = useLive();
  const [event, setEvent] = useState<EventInfo | null>(null);
  const location = useLocation();

  useEffect(() => {
    const load = () => loadEvent().then((e) => { setEvent(e); document.title = e.name; });
    load();
    window.addEventListener("plenary-event", load); // the organizer saved it
    return () => window.removeEventListener("plenary-event", load);
  }, []);

  useEffect(() => {
    document.getElementById("main")?.focus(); // a new page: start reading at its content
  }, [location.pathname]);

  const signOut = async () => {
    await attendeeApi.POST("/v1/auth/logout").catch(() => undefined);
    setToken("attendee", null);
  };

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="site">
        <Link to="/" className="brand">
          {event?.name ?? "Plenary"}
        </Link>
        <nav aria-label="Attendee">
          <ul>
            <li><NavLink to="/program">Program</NavLink></li>
            <li><NavLink to="/expo">Expo hall</NavLink></li>
            <li><NavLink to="/faq">FAQ</NavLink></li>
            {token ? (
              <>
                <li><NavLink to="/agenda">My agenda</NavLink></li>
                <li><NavLink to="/networking">Networking</NavLink></li>
                <li><NavLink to="/notifications">Notifications</NavLink></li>
                <li><NavLink to="/me">My profile</NavLink></li>
                <li><button type="button" className="link" onClick={signOut}>Sign out</button></li>
              </>
            ) : (
              <>
                <li><NavLink to="/register">Register</NavLink></li>
                <li><NavLink to="/sign-in">Sign in</NavLink></li>
              </>
            )}
          </ul>
        </nav>
      </header>
      <div aria-live="polite" className="toast-region">
        {live.latest && (
          <p className="toast">
            <strong>New notification:</strong> {live.latest.title}{" "}
            <Link to="/notifications">See all</Link>
          </p>
        )}
      </div>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site">
        <nav aria-label="Portals">
          <ul>
            <li><Link to="/exhibitor">Exhibitor portal</Link></li>
            <li><Link to="/organizer">Organizer portal</Link></li>
            <li><a href="/docs">API reference</a></li>
          </ul>
        </nav>
        {event?.contact?.email && (
          <p>
            Questions? <a href={`mailto:${event.contact.email}`}>{event.contact.name || event.contact.email}</a>
          </p>
        )}
      </footer>
    </>
  );
}

/** For pages that need a signed-in attendee. */
export function SignInFirst({ what }: { what: string }) {
  return (
    <>
      <h1>{what}</h1>
      <p>
        <Link to="/sign-in">Sign in</Link> or <Link to="/register">register</Link> to see {what.toLowerCase()}.
      </p>
    </>
  );
}
