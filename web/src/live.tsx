// One live stream per tab while an attendee is signed in: the feed for everyone, and
// the chat of the sessions pages ask to follow.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { openLive, type LiveDirectMessage, type LiveMessage, type LiveNotification } from "./api/live";
import { useToken } from "./hooks";

type Listener<T> = (item: T) => void;

interface Live {
  state: "connecting" | "open" | "closed";
  latest: LiveNotification | null;
  follow(sessionId: string): () => void;
  onNotification(listener: Listener<LiveNotification>): () => void;
  onMessage(listener: Listener<LiveMessage>): () => void;
  onDirectMessage(listener: Listener<LiveDirectMessage>): () => void;
}

const LiveContext = createContext<Live | null>(null);

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error("useLive outside LiveProvider");
  return live;
}

function listeners<T>() {
  const set = new Set<Listener<T>>();
  return {
    emit: (item: T) => set.forEach((l) => l(item)),
    add: (l: Listener<T>) => {
      set.add(l);
      return () => void set.delete(l);
    },
  };
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const token = useToken("attendee");
  const [state, setState] = useState<Live["state"]>("closed");
  const [latest, setLatest] = useState<LiveNotification | null>(null);
  const [sessions, setSessions] = useState<string[]>([]);
  const notifications = useRef(listeners<LiveNotification>()).current;
  const messages = useRef(listeners<LiveMessage>()).current;
  const directMessages = useRef(listeners<LiveDirectMessage>()).current;

  useEffect(() => {
    if (!token) return;
    const close = openLive(sessions, {
      notification: (item) => {
        setLatest(item);
        notifications.emit(item);
      },
      message: messages.emit,
      directMessage: directMessages.emit,
      state: setState,
    });
    return () => {
      close();
      setState("closed");
    };
  }, [token, sessions.join(","), notifications, messages, directMessages]);

  const follow = useCallback((sessionId: string) => {
    setSessions((s) => (s.includes(sessionId) ? s : [...s, sessionId]));
    return () => setSessions((s) => s.filter((id) => id !== sessionId));
  }, []);

  const value: Live = {
    state,
    latest,
    follow,
    onNotification: notifications.add,
    onMessage: messages.add,
    onDirectMessage: directMessages.add,
  };
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
