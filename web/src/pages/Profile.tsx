import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { attendeeApi, consentOf, ok, setToken, type Schemas } from "../api/client";
import { SignInFirst } from "../components/Layout";
import { Checkbox, ErrorNote, Field, Loading } from "../components/ui";
import { useLoad, useToken } from "../hooks";

export default function Profile() {
  const token = useToken("attendee");
  const me = useLoad(() => (token ? ok(attendeeApi.GET("/v1/me")) : Promise.resolve(undefined)), [token]);
  if (!token) return <SignInFirst what="My profile" />;
  if (!me.data) return me.error ? <ErrorNote error={me.error} /> : <Loading what="your profile" />;
  return (
    <>
      <h1>My profile</h1>
      <ProfileForm me={me.data} onSaved={me.setData} />
      <MyData />
    </>
  );
}

function ProfileForm({ me, onSaved }: { me: Schemas["Attendee"]; onSaved: (a: Schemas["Attendee"]) => void }) {
  const [form, setForm] = useState({
    full_name: me.full_name ?? "",
    organization: me.organization ?? "",
    job_title: me.job_title ?? "",
    accessibility_needs: me.accessibility_needs ?? "",
  });
  const [consent, setConsent] = useState({
    share_with_exhibitors: Boolean(consentOf(me).share_with_exhibitors),
    marketing: Boolean(consentOf(me).marketing),
  });
  const [error, setError] = useState<Error | null>(null);
  const [saved, setSaved] = useState("");
  const set = (name: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value });

  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      onSaved(await ok(attendeeApi.PATCH("/v1/me", { body: { ...form, consent } })));
      setSaved("Saved.");
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={save} aria-labelledby="profile">
      <h2 id="profile">About me</h2>
      <p>Signed in as {me.email} · ticket: {me.ticket_type}</p>
      <Field label="Full name" value={form.full_name} onChange={set("full_name")} required autoComplete="name" />
      <Field label="Organization" value={form.organization} onChange={set("organization")} autoComplete="organization" />
      <Field label="Job title" value={form.job_title} onChange={set("job_title")} autoComplete="organization-title" />
      <Field label="Accessibility needs" value={form.accessibility_needs} onChange={set("accessibility_needs")} />
      <fieldset>
        <legend>Consent</legend>
        <Checkbox
          label="Share my name, email and organization with the exhibitors whose booths I interact with (downloads, meeting requests)"
          checked={consent.share_with_exhibitors}
          onChange={(e) => setConsent({ ...consent, share_with_exhibitors: e.target.checked })}
        />
        <Checkbox label="Send me news from the association" checked={consent.marketing} onChange={(e) => setConsent({ ...consent, marketing: e.target.checked })} />
        <p className="hint">Withdrawing consent makes your existing leads anonymous at every exhibitor.</p>
      </fieldset>
      <button type="submit">Save profile</button>
      <p role="status">{saved}</p>
      <ErrorNote error={error} />
    </form>
  );
}

function MyData() {
  const navigate = useNavigate();
  const [error, setError] = useState<Error | null>(null);
  const [confirm, setConfirm] = useState("");

  const exportData = async () => {
    try {
      const data = await ok(attendeeApi.GET("/v1/me/export"));
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = "my-plenary-data.json";
      link.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setError(e as Error);
    }
  };
  const erase = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await ok(attendeeApi.DELETE("/v1/me"));
      setToken("attendee", null);
      navigate("/");
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section aria-labelledby="data">
      <h2 id="data">My data</h2>
      <p>
        <button type="button" onClick={exportData}>Download everything held on me (JSON)</button>
      </p>
      <form onSubmit={erase} aria-labelledby="erase">
        <h3 id="erase">Delete my data</h3>
        <p>This erases your registration, agenda, messages, leads and notifications in every part of the event. It cannot be undone.</p>
        <Field label='Type "delete" to confirm' value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        <button type="submit" className="danger" disabled={confirm !== "delete"}>Delete my data</button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
