import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { ok, publicApi, setToken, type Schemas, type TimeZone } from "../api/client";
import { Checkbox, ErrorNote, Field, Select } from "../components/ui";
import { viewerZone } from "../format";

const TICKETS: [string, string][] = [
  ["member", "Member"],
  ["non_member", "Non-member"],
  ["student", "Student"],
  ["speaker", "Speaker (code from the organizers)"],
  ["exhibitor_staff", "Exhibitor staff (code from the organizers)"],
  ["complimentary", "Complimentary (code from the organizers)"],
];
// these need a ticket code the organizers issue (contracts/enums.py)
const RESTRICTED = new Set(["speaker", "exhibitor_staff", "complimentary"]);

// Exchange the code mailed to `email` for a token, then go to `next`.
function CodeForm({ email, next }: { email: string; next: string }) {
  const navigate = useNavigate();
  const [code, setCode] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const token = await ok(publicApi.POST("/v1/auth/token", { body: { email, code: code.trim() } }));
      setToken("attendee", token.access_token!);
      navigate(next);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Enter the code">
      <Field label="8-digit code from the email" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
      <button type="submit">Sign in</button>
      <ErrorNote error={error} />
    </form>
  );
}

export function Register() {
  const [form, setForm] = useState({ email: "", full_name: "", organization: "", job_title: "", ticket_type: "member", ticket_code: "" });
  const [share, setShare] = useState(false);
  const [marketing, setMarketing] = useState(false);
  const [sent, setSent] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const set = (name: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value });
  const restricted = RESTRICTED.has(form.ticket_type);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const { ticket_code, ...fields } = form;
      const body = {
        ...fields,
        ...(restricted && { ticket_code: ticket_code.trim() }),
        ticket_type: form.ticket_type as Schemas["Registration"]["ticket_type"],
        time_zone: viewerZone as TimeZone,
        consent: { share_with_exhibitors: share, marketing },
      };
      // the same answer whether or not the address was registered: the mailed code proves it
      const answer = await ok(publicApi.POST("/v1/registrations", { body }));
      setSent(answer.detail ?? "Check your email for a code.");
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };
  if (sent) {
    return (
      <>
        <h1>Check your email</h1>
        <p role="status">{sent}</p>
        <p>We sent a code to {form.email}. Enter it here, or open the link in the email.</p>
        <CodeForm email={form.email} next="/program" />
      </>
    );
  }
  return (
    <>
      <h1>Register</h1>
      <form onSubmit={submit} aria-label="Registration">
        <Field label="Email" type="email" required autoComplete="email" value={form.email} onChange={set("email")} />
        <Field label="Full name" required autoComplete="name" value={form.full_name} onChange={set("full_name")} />
        <Field label="Organization" autoComplete="organization" value={form.organization} onChange={set("organization")} />
        <Field label="Job title" autoComplete="organization-title" value={form.job_title} onChange={set("job_title")} />
        <Select label="Ticket type" value={form.ticket_type} onChange={set("ticket_type")} options={TICKETS} />
        {restricted && <Field label="Ticket code" required autoComplete="off" value={form.ticket_code} onChange={set("ticket_code")} />}
        <fieldset>
          <legend>Consent</legend>
          <Checkbox
            label="Share my name, email and organization with the exhibitors whose booths I interact with (downloads, meeting requests)"
            checked={share}
            onChange={(e) => setShare(e.target.checked)}
          />
          <Checkbox label="Send me news from the association" checked={marketing} onChange={(e) => setMarketing(e.target.checked)} />
        </fieldset>
        <button type="submit">Register</button>
        <ErrorNote error={error} />
      </form>
      <p>Already registered? <Link to="/sign-in">Sign in with a code by email</Link>.</p>
    </>
  );
}

export function SignIn() {
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState("");
  const [error, setError] = useState<Error | null>(null);

  const requestCode = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const answer = await ok(publicApi.POST("/v1/auth/login-link", { body: { email } }));
      setSent(answer.detail ?? "Check your email for a code.");
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };
  const signIn = async (address: string, mailed: string) => {
    try {
      const token = await ok(publicApi.POST("/v1/auth/token", { body: { email: address, code: mailed.trim() } }));
      setToken("attendee", token.access_token!);
      navigate("/agenda");
    } catch (err) {
      setError(err as Error);
    }
  };
  // the mailed link: /login#email=...&code=... (a fragment, so the code never reaches a server log)
  useEffect(() => {
    const link = new URLSearchParams(window.location.hash.slice(1));
    const [address, mailed] = [link.get("email"), link.get("code")];
    if (address && mailed) {
      window.history.replaceState(null, "", window.location.pathname);
      setEmail(address);
      signIn(address, mailed);
    }
  }, []);
  return (
    <>
      <h1>Sign in</h1>
      <form onSubmit={requestCode} aria-label="Ask for a sign-in code">
        <Field label="Email" type="email" required autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <button type="submit">Email me a code</button>
      </form>
      <p role="status">{sent}</p>
      {sent && <CodeForm email={email} next="/agenda" />}
      <ErrorNote error={error} />
      <p>New here? <Link to="/register">Register</Link>.</p>
    </>
  );
}
