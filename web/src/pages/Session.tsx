import { useEffect, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { attendeeApi, ok, publicApi, type Schemas } from "../api/client";
import { loadEvent } from "../api/event";
import { ErrorNote, Loading, Select, TextArea } from "../components/ui";
import { formatDateTime, formatTime, STATUS_LABELS, viewerZone } from "../format";
import { useInterval, useLoad, useToken } from "../hooks";
import { useLive } from "../live";

const STATUS_POLL_MS = 5000; // revalidated with the ETag: a 304 most of the time
const QUESTIONS_POLL_MS = 10000; // upvotes and moderation are not on the stream

type Message = Schemas["Message"];

export default function SessionPage() {
  const { sessionId = "" } = useParams();
  const token = useToken("attendee");
  const event = useLoad(() => loadEvent(), []);
  const session = useLoad(() => ok(publicApi.GET("/v1/sessions/{session_id}", { params: { path: { session_id: sessionId } } })), [sessionId]);
  const s = session.data;

  useInterval(
    () => {
      publicApi
        .GET("/v1/sessions/{session_id}", { params: { path: { session_id: sessionId } }, cache: "no-cache" })
        .then(({ data }) => data && session.setData(data));
    },
    STATUS_POLL_MS,
    Boolean(s),
  );

  if (session.loading && !s) return <Loading what="the session" />;
  if (!s) return <ErrorNote error={session.error} />;
  const zone = event.data?.time_zone ?? "UTC";
  return (
    <>
      <p><Link to="/program">← Program</Link></p>
      <h1>{s.title}</h1>
      <p className="meta">
        Status:{" "}
        <span role="status" aria-live="polite" className={`status status-${s.status}`} data-testid="session-status">
          {STATUS_LABELS[s.status ?? ""] ?? s.status}
        </span>
      </p>
      <p>
        {formatDateTime(s.starts_at!)} – {formatTime(s.ends_at!)} (your time, {viewerZone})
        {zone !== viewerZone && <> · {formatDateTime(s.starts_at!, zone)} event time</>}
      </p>
      <p>Track {s.track} · {s.kind}{s.capacity ? ` · ${s.capacity} seats` : ""}</p>
      {s.cancel_reason && <p>Cancelled: {s.cancel_reason}</p>}
      <p className="abstract">{s.abstract}</p>
      {s.speakers && s.speakers.length > 0 && (
        <section aria-labelledby="speakers">
          <h2 id="speakers">Speakers</h2>
          <ul>
            {s.speakers.map((p) => (
              <li key={p.name}><strong>{p.name}</strong>{p.organization && `, ${p.organization}`}{p.bio && ` — ${p.bio}`}</li>
            ))}
          </ul>
        </section>
      )}
      {token ? (
        <>
          <JoinPanel sessionId={sessionId} status={s.status ?? ""} />
          <Conversation sessionId={sessionId} />
        </>
      ) : (
        <p><Link to="/sign-in">Sign in</Link> to join, chat and ask questions.</p>
      )}
    </>
  );
}

function JoinPanel({ sessionId, status }: { sessionId: string; status: string }) {
  const [join, setJoin] = useState<Schemas["Join"] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const path = { params: { path: { session_id: sessionId } } };

  const doJoin = () =>
    ok(attendeeApi.POST("/v1/sessions/{session_id}/join", path))
      .then((j) => {
        setJoin(j);
        setError(null);
      })
      .catch(setError);

  // the heartbeat: join again well within heartbeat_seconds to stay counted
  useEffect(() => {
    if (!join) return;
    const id = window.setInterval(doJoin, Math.max(5, (join.heartbeat_seconds ?? 60) * 0.8) * 1000);
    return () => window.clearInterval(id);
  }, [join?.heartbeat_seconds]);

  useEffect(() => {
    if (!join) return;
    const leave = () => attendeeApi.POST("/v1/sessions/{session_id}/leave", { ...path, keepalive: true });
    window.addEventListener("pagehide", leave);
    return () => {
      window.removeEventListener("pagehide", leave);
      leave();
    };
  }, [Boolean(join)]);

  const open = status === "starting" || status === "live";
  return (
    <section aria-labelledby="watch">
      <h2 id="watch">Watch</h2>
      {join ? (
        <p>
          You are in.{" "}
          {join.stream_url ? (
            <a href={join.stream_url} target="_blank" rel="noreferrer" data-testid="stream-link">Open the live stream (new tab)</a>
          ) : (
            "The stream link is not set yet."
          )}{" "}
          <button type="button" onClick={() => setJoin(null)}>Leave</button>
        </p>
      ) : (
        <p>
          <button type="button" onClick={doJoin} disabled={!open}>Join session</button>{" "}
          {!open && <span>The doors open shortly before the start.</span>}
        </p>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function fromLive(m: import("../api/live").LiveMessage): Message {
  return { ...m, id: m.message_id, upvotes: 0, answered: false, hidden: false } as Message;
}

function Conversation({ sessionId }: { sessionId: string }) {
  const live = useLive();
  const [messages, setMessages] = useState<Message[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [kind, setKind] = useState<"chat" | "question">("chat");
  const [body, setBody] = useState("");

  const merge = (incoming: Message[]) =>
    setMessages((current) => {
      const byId = new Map(current.map((m) => [m.id, m]));
      for (const m of incoming) byId.set(m.id, { ...byId.get(m.id), ...m });
      return [...byId.values()].filter((m) => !m.hidden);
    });

  const refresh = () =>
    ok(attendeeApi.GET("/v1/sessions/{session_id}/messages", { params: { path: { session_id: sessionId }, query: { limit: 100 } } }))
      .then((page) => merge(page.items ?? []))
      .catch(setError);

  useInterval(refresh, QUESTIONS_POLL_MS);
  useEffect(() => live.follow(sessionId), [sessionId]);
  useEffect(
    () => live.onMessage((m) => m.session_id === sessionId && merge([fromLive(m)])),
    [sessionId],
  );

  const send = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const posted = await ok(attendeeApi.POST("/v1/sessions/{session_id}/messages", { params: { path: { session_id: sessionId } }, body: { kind, body } }));
      merge([posted]);
      setBody("");
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };

  const upvote = (m: Message) =>
    ok(attendeeApi.POST("/v1/sessions/{session_id}/messages/{message_id}/upvote", { params: { path: { session_id: sessionId, message_id: m.id! } } }))
      .then((updated) => merge([updated]))
      .catch(setError);

  const byTime = (a: Message, b: Message) => (a.posted_at! < b.posted_at! ? -1 : 1);
  const chat = messages.filter((m) => m.kind === "chat").sort(byTime);
  const questions = messages.filter((m) => m.kind === "question").sort((a, b) => (b.upvotes ?? 0) - (a.upvotes ?? 0) || byTime(a, b));

  return (
    <div className="conversation">
      <section aria-labelledby="chat">
        <h2 id="chat">Chat</h2>
        <ol className="messages" aria-live="polite" data-testid="chat-list">
          {chat.map((m) => (
            <li key={m.id}><strong>{m.author_name}</strong>: {m.body}</li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="qa">
        <h2 id="qa">Questions</h2>
        <ol className="messages" aria-live="polite" data-testid="question-list">
          {questions.map((m) => (
            <li key={m.id}>
              <strong>{m.author_name}</strong>: {m.body} {Boolean(m.answered) && <em>(answered)</em>}{" "}
              <button type="button" onClick={() => upvote(m)}>
                ▲ <span className="visually-hidden">Upvote question by {m.author_name}, now</span> {m.upvotes ?? 0}
              </button>
            </li>
          ))}
        </ol>
      </section>
      <form onSubmit={send} aria-labelledby="say">
        <h2 id="say">Say something</h2>
        <Select label="Post as" value={kind} onChange={(e) => setKind(e.target.value as "chat" | "question")} options={[["chat", "Chat message"], ["question", "Question for the speakers"]]} />
        <TextArea label="Message" value={body} maxLength={1000} required onChange={(e) => setBody(e.target.value)} />
        <button type="submit">Send</button>
        <ErrorNote error={error} />
      </form>
    </div>
  );
}
