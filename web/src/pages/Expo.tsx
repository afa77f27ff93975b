import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { ok, publicApi } from "../api/client";
import { ErrorNote, Field, Loading, Select } from "../components/ui";
import { useLoad } from "../hooks";

const TIERS: [string, string][] = [["", "All tiers"], ["platinum", "Platinum"], ["gold", "Gold"], ["silver", "Silver"], ["standard", "Standard"]];

export default function Expo() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const tier = params.get("tier") ?? "";
  const [draft, setDraft] = useState(q);
  const hall = useLoad(
    () => ok(publicApi.GET("/v1/exhibitors", { params: { query: { limit: 100, ...(q && { q }), ...(tier && { tier: tier as "gold" }) } } })),
    [q, tier],
  );
  const update = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const search = (e: FormEvent) => {
    e.preventDefault();
    update("q", draft.trim());
  };
  return (
    <>
      <h1>Expo hall</h1>
      <form role="search" className="filters" onSubmit={search}>
        <Field label="Search exhibitors and products" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <Select label="Tier" value={tier} onChange={(e) => update("tier", e.target.value)} options={TIERS} />
        <button type="submit">Search</button>
      </form>
      {hall.loading && <Loading what="the hall" />}
      <ErrorNote error={hall.error} />
      {hall.data?.items?.length === 0 && <p>No exhibitors match.</p>}
      <ul className="cards">
        {hall.data?.items?.map((x) => (
          <li key={x.id} className={`card tier-${x.tier}`}>
            <h2><Link to={`/expo/${x.id}`}>{x.name}</Link></h2>
            <p className="meta">{x.tier} sponsor{x.booth ? ` · booth ${x.booth}` : ""}</p>
            <p>{x.description}</p>
          </li>
        ))}
      </ul>
    </>
  );
}
