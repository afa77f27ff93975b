import { useEffect, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { attendeeApi, consentOf, ok, publicApi, type Schemas } from "../api/client";
import { ErrorNote, Field, Loading, TextArea } from "../components/ui";
import { localInputToIso } from "../format";
import { useLoad, useToken } from "../hooks";

export default function Booth() {
  const { exhibitorId = "" } = useParams();
  const token = useToken("attendee");
  const booth = useLoad(() => ok(publicApi.GET("/v1/exhibitors/{exhibitor_id}", { params: { path: { exhibitor_id: exhibitorId } } })), [exhibitorId]);
  const me = useLoad(() => (token ? ok(attendeeApi.GET("/v1/me")) : Promise.resolve(undefined)), [token]);
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<Error | null>(null);

  const interact = (body: Schemas["InteractionInput"]) =>
    ok(attendeeApi.POST("/v1/exhibitors/{exhibitor_id}/interactions", { params: { path: { exhibitor_id: exhibitorId } }, body }));

  useEffect(() => {
    if (token) interact({ kind: "visit" }).catch(() => undefined); // the visit counts once per day
  }, [token, exhibitorId]);

  if (booth.loading) return <Loading what="the booth" />;
  const x = booth.data;
  if (!x) return <ErrorNote error={booth.error} />;
  const shares = consentOf(me.data).share_with_exhibitors;

  const downloadProduct = async (p: Schemas["Product"]) => {
    try {
      await interact({ kind: "download", product_id: p.id });
      setNotice(`Opening “${p.name}”.`);
      window.open(p.resource_url!, "_blank", "noopener");
    } catch (e) {
      setError(e as Error);
    }
  };

  return (
    <>
      <p><Link to="/expo">← Expo hall</Link></p>
      <h1>{x.name}</h1>
      <p className="meta">{x.tier} sponsor{x.booth ? ` · booth ${x.booth}` : ""}{x.website && <> · <a href={x.website}>website</a></>}</p>
      <p>{x.description}</p>
      {token && (
        <p className="consent" data-testid="consent-note">
          {shares
            ? `You agreed to share your name, email and organization with exhibitors: ${x.name} receives them when you download a resource or request a meeting here, and may contact you.`
            : `You have not agreed to share your details with exhibitors: ${x.name} only counts your visit and downloads anonymously, and cannot answer a meeting request.`}{" "}
          <Link to="/me">Change this in your profile</Link>.
        </p>
      )}
      <p role="status" aria-live="polite">{notice}</p>
      <ErrorNote error={error} />
      <section aria-labelledby="products">
        <h2 id="products">Products and resources</h2>
        <ul className="cards">
          {x.products?.map((p) => (
            <li key={p.id} className="card">
              <h3>{p.name}</h3>
              <p>{p.description}</p>
              {p.resource_url && token && (
                <button type="button" onClick={() => downloadProduct(p)}>Download<span className="visually-hidden"> {p.name}</span></button>
              )}
            </li>
          ))}
        </ul>
      </section>
      {x.staff && x.staff.length > 0 && (
        <section aria-labelledby="staff">
          <h2 id="staff">At the booth</h2>
          <ul>{x.staff.map((s) => <li key={s.name}>{s.name}{s.role && `, ${s.role}`}</li>)}</ul>
        </section>
      )}
      {token ? <MeetingRequest name={x.name ?? ""} shares={Boolean(shares)} send={interact} onSent={setNotice} /> : <p><Link to="/sign-in">Sign in</Link> to download resources or request a meeting.</p>}
    </>
  );
}

function MeetingRequest({ name, shares, send, onSent }: { name: string; shares: boolean; send: (b: Schemas["InteractionInput"]) => Promise<unknown>; onSent: (s: string) => void }) {
  const [message, setMessage] = useState("");
  const [time, setTime] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await send({ kind: "meeting_request", message, proposed_times: time ? [localInputToIso(time)] : [] });
      setMessage("");
      setError(null);
      onSent(`Meeting request sent to ${name}.`);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="meet">
      <h2 id="meet">Request a meeting</h2>
      <p id="meet-consent">
        {shares
          ? `Sending this shares your name, email and organization with ${name}.`
          : `You have not agreed to share your details, so ${name} will not see who asked.`}
      </p>
      <TextArea label="Message" value={message} maxLength={1000} onChange={(e) => setMessage(e.target.value)} aria-describedby="meet-consent" />
      <Field label="A time that suits you (optional, your time zone)" type="datetime-local" value={time} onChange={(e) => setTime(e.target.value)} />
      <button type="submit">Send meeting request</button>
      <ErrorNote error={error} />
    </form>
  );
}
