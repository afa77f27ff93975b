import { useEffect, useState } from "react";
import { Link } from "react-router";
import { attendeeApi, ok, type Schemas } from "../api/client";
import { SignInFirst } from "../components/Layout";
import { Checkbox, ErrorNote, Loading } from "../components/ui";
import { formatDateTime } from "../format";
import { useLoad, useToken } from "../hooks";
import { useLive } from "../live";

type Notification = Schemas["Notification"];

export default function Notifications() {
  const token = useToken("attendee");
  const live = useLive();
  const feed = useLoad(() => (token ? ok(attendeeApi.GET("/v1/me/notifications", { params: { query: { limit: 50 } } })) : Promise.resolve(undefined)), [token]);
  const [items, setItems] = useState<Notification[]>([]);
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => setItems(feed.data?.items ?? []), [feed.data]);
  useEffect(
    () => live.onNotification((n) => setItems((current) => (current.some((c) => c.id === n.id) ? current : [{ ...n, read: false }, ...current]))),
    [],
  );

  if (!token) return <SignInFirst what="Notifications" />;
  const unread = items.filter((n) => !n.read).length;
  const readAll = () => ok(attendeeApi.POST("/v1/me/notifications/read")).then(() => setItems((c) => c.map((n) => ({ ...n, read: true }))), setError);
  const readOne = (n: Notification) =>
    ok(attendeeApi.POST("/v1/me/notifications/{notification_id}/read", { params: { path: { notification_id: n.id! } } }))
      .then(() => setItems((c) => c.map((x) => (x.id === n.id ? { ...x, read: true } : x))), setError);

  return (
    <>
      <h1>Notifications</h1>
      <p role="status">
        {unread} unread · live updates {live.state === "open" ? "on" : live.state === "connecting" ? "connecting…" : "off"}
      </p>
      <button type="button" onClick={readAll} disabled={!unread}>Mark all read</button>
      {feed.loading && <Loading what="your notifications" />}
      <ErrorNote error={feed.error ?? error} />
      <ul className="feed" aria-live="polite" data-testid="feed">
        {items.map((n) => (
          <li key={n.id} className={n.read ? "read card" : "unread card"}>
            <h2>{n.title}</h2>
            <p>{n.body}</p>
            <p className="meta">
              {formatDateTime(n.created_at!)}
              {typeof n.data?.session_id === "string" && <> · <Link to={`/sessions/${n.data.session_id}`}>Go to the session</Link></>}
            </p>
            {!n.read && <button type="button" onClick={() => readOne(n)}>Mark read<span className="visually-hidden">: {n.title}</span></button>}
          </li>
        ))}
      </ul>
      <Preferences />
    </>
  );
}

function Preferences() {
  const prefs = useLoad(() => ok(attendeeApi.GET("/v1/me/notifications/preferences")), []);
  const [error, setError] = useState<Error | null>(null);
  const [saved, setSaved] = useState("");
  const channels = (prefs.data?.channels ?? {}) as Record<string, { feed?: boolean; email?: boolean }>;
  const change = (kind: string, channel: "feed" | "email", value: boolean) =>
    ok(attendeeApi.PUT("/v1/me/notifications/preferences", { body: { channels: { [kind]: { ...channels[kind], [channel]: value } } } as never }))
      .then((p) => {
        prefs.setData(p);
        setSaved("Preferences saved.");
      }, setError);
  return (
    <section aria-labelledby="prefs">
      <h2 id="prefs">How you are told</h2>
      <ErrorNote error={prefs.error ?? error} />
      <p role="status">{saved}</p>
      <table>
        <thead>
          <tr><th scope="col">Kind</th><th scope="col">In this feed</th><th scope="col">By email</th></tr>
        </thead>
        <tbody>
          {Object.entries(channels).map(([kind, c]) => (
            <tr key={kind}>
              <th scope="row">{kind.replaceAll("_", " ")}</th>
              <td><Checkbox label={<span className="visually-hidden">{kind} in feed</span>} checked={Boolean(c.feed)} onChange={(e) => change(kind, "feed", e.target.checked)} /></td>
              <td><Checkbox label={<span className="visually-hidden">{kind} by email</span>} checked={Boolean(c.email)} onChange={(e) => change(kind, "email", e.target.checked)} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
