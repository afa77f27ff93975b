import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { ok, publicApi, type Schemas } from "../api/client";
import { ErrorNote, Field, Loading, Select } from "../components/ui";
import { useLoad } from "../hooks";

type Entry = Schemas["FaqEntry"];

/** Published questions by category; q (searched by the API) and category stay in the URL. */
export default function Faq() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const category = params.get("category") ?? "";
  const [typed, setTyped] = useState(q);
  const faq = useLoad(
    () => ok(publicApi.GET("/v1/faq", { params: { query: { ...(q && { q }), ...(category && { category }) } } })),
    [q, category],
  );
  const all = useLoad(() => ok(publicApi.GET("/v1/faq")), []); // every category, whatever the filter
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next);
  };
  const items = faq.data?.items ?? [];
  const groups = groupBy(items);
  const categories = all.data?.categories ?? [];

  return (
    <>
      <h1>Frequently asked questions</h1>
      <form role="search" aria-label="The FAQ" className="filters" onSubmit={(e) => { e.preventDefault(); setFilter("q", typed.trim()); }}>
        <Field label="Search the FAQ" type="search" value={typed} maxLength={100} onChange={(e) => setTyped(e.target.value)} />
        <Select
          label="Category"
          value={category}
          onChange={(e) => setFilter("category", e.target.value)}
          options={[["", "All categories"], ...categories.map((c) => [c, c] as [string, string])]}
        />
        <button type="submit">Search</button>
        {(q || category) && (
          <button type="button" className="link" onClick={() => { setTyped(""); setParams(new URLSearchParams()); }}>
            Show every question
          </button>
        )}
      </form>
      {faq.loading && <Loading what="the FAQ" />}
      <ErrorNote error={faq.error} />
      <p role="status" aria-live="polite">
        {faq.data && (items.length === 1 ? "1 question" : `${items.length} questions`)}
        {faq.data && q && <> matching “{q}”</>}
      </p>
      {faq.data && items.length === 0 && (
        <p>No question matches. Try other words, or ask the organizers (see the <Link to="/">event home</Link> for the contact).</p>
      )}
      <div data-testid="faq">
        {groups.map(([name, entries]) => (
          <section key={name} aria-labelledby={`faq-${slug(name)}`}>
            <h2 id={`faq-${slug(name)}`}>{name}</h2>
            {entries.map((entry) => (
              <details key={entry.id} className="card faq" open={Boolean(q)}>
                <summary>{entry.question}</summary>
                {(entry.answer ?? "").split("\n\n").map((para, i) => <p key={i}>{para}</p>)}
              </details>
            ))}
          </section>
        ))}
      </div>
    </>
  );
}

function groupBy(entries: Entry[]): [string, Entry[]][] {
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) {
    const name = entry.category || "General";
    groups.set(name, [...(groups.get(name) ?? []), entry]);
  }
  return [...groups.entries()];
}

function slug(text: string) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
