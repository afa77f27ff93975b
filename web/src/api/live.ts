// The live stream: feed items (`notification`), the chat of followed sessions
// (`message`) and direct messages to or from me (`direct_message`), as server-sent events.
//
// A browser's EventSource cannot send the Authorization header, so the app first asks
// for a short-lived single-use stream ticket with the bearer token and opens
// /v1/me/notifications/stream?ticket=... A gateway without the ticket route (404) is
// read with fetch() and the header instead. Either way a dropped stream is reopened with
// a fresh ticket, resuming after the last notification seen.
import { getToken } from "./client";

export interface LiveNotification {
  id: string;
  kind: string;
  title: string;
  body: string;
  created_at: string;
  data?: Record<string, unknown>;
}

export interface LiveMessage {
  message_id: string;
  session_id: string;
  kind: string;
  author_id: string;
  author_name: string;
  body: string;
  posted_at: string;
}

export interface LiveDirectMessage {
  message_id: string;
  conversation_id: string;
  sender_id: string;
  sender_name: string;
  recipient_id: string;
  body: string;
  sent_at: string;
}

export interface LiveHandlers {
  notification(item: LiveNotification): void;
  message(message: LiveMessage): void;
  directMessage(message: LiveDirectMessage): void;
  state(state: "connecting" | "open" | "closed"): void;
}

const RECONNECT_MS = 3000;
const STREAM = "/v1/me/notifications/stream";

export function openLive(sessions: string[], handlers: LiveHandlers): () => void {
  let stopped = false;
  let lastEventId = "";
  let closeCurrent: () => void = () => {};
  let timer: number | undefined;

  const dispatch = (event: string, data: string, id?: string) => {
    if (id) lastEventId = id;
    if (event === "notification") handlers.notification(JSON.parse(data));
    else if (event === "message") handlers.message(JSON.parse(data));
    else if (event === "direct_message") handlers.directMessage(JSON.parse(data));
  };

  const retry = () => {
    handlers.state("closed");
    if (!stopped) timer = window.setTimeout(connect, RECONNECT_MS);
  };

  const query = (extra: Record<string, string>) => {
    const params = new URLSearchParams(extra);
    if (sessions.length) params.set("sessions", sessions.join(","));
    if (lastEventId) params.set("last_event_id", lastEventId);
    return params.toString();
  };

  async function connect() {
    const token = getToken("attendee");
    if (stopped || !token) return;
    handlers.state("connecting");
    try {
      const answer = await fetch(`${STREAM}-ticket`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
      });
      if (answer.status === 404 || answer.status === 405) closeCurrent = readWithFetch(token);
      else if (answer.ok) closeCurrent = readWithEventSource((await answer.json()).ticket);
      else retry();
    } catch {
      retry();
    }
  }

  function readWithEventSource(ticket: string) {
    const source = new EventSource(`${STREAM}?${query({ ticket })}`);
    source.onopen = () => handlers.state("open");
    for (const name of ["notification", "message", "direct_message"]) {
      source.addEventListener(name, (e) => dispatch(name, (e as MessageEvent).data, (e as MessageEvent).lastEventId));
    }
    source.onerror = () => {
      source.close(); // its own reconnect would reuse the spent ticket
      retry();
    };
    return () => source.close();
  }

  function readWithFetch(token: string) {
    const abort = new AbortController();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "text/event-stream" };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    fetch(`${STREAM}?${query({})}`, { headers, signal: abort.signal })
      .then(async (response) => {
        if (!response.ok || !response.body) throw new Error(`stream ${response.status}`);
        handlers.state("open");
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            parseEvent(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
        throw new Error("stream ended");
      })
      .catch(() => {
        if (!abort.signal.aborted) retry();
      });
    return () => abort.abort();
  }

  function parseEvent(block: string) {
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      const [field, ...rest] = line.split(":");
      const value = rest.join(":").replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
    if (data.length) dispatch(event, data.join("\n"), id);
  }

  connect();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    closeCurrent();
  };
}
