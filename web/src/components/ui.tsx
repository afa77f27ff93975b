import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";
import { ApiError } from "../api/client";

export function ErrorNote({ error }: { error: Error | null | undefined }) {
  if (!error) return null;
  const fields = error instanceof ApiError ? Object.entries(error.fields) : [];
  return (
    <div role="alert" className="error">
      <p>{error.message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map(([name, messages]) => (
            <li key={name}>
              <strong>{name}</strong>: {Array.isArray(messages) ? messages.join(" ") : JSON.stringify(messages)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p role="status">Loading {what}…</p>;
}

type FieldProps = { label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>;

export function Field({ label, hint, ...input }: FieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

export function TextArea({ label, ...rest }: { label: string } & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} {...rest} />
    </div>
  );
}

type SelectProps = { label: string; options: [string, string][] } & SelectHTMLAttributes<HTMLSelectElement>;

export function Select({ label, options, ...rest }: SelectProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...rest}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Checkbox({ label, ...rest }: { label: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="check">
      <input id={id} type="checkbox" {...rest} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/** A bar chart per day in plain SVG, with the numbers in a table for screen readers. */
export function DayChart({ title, rows }: { title: string; rows: { day: string; value: number }[] }) {
  const id = useId();
  const max = Math.max(1, ...rows.map((r) => r.value));
  const barWidth = 36;
  const height = 140;
  const width = Math.max(200, rows.length * (barWidth + 12) + 12);
  return (
    <figure className="chart">
      <figcaption id={id}>{title}</figcaption>
      <svg role="img" aria-labelledby={id} viewBox={`0 0 ${width} ${height + 50}`} width={width} height={height + 50}>
        {rows.map((r, i) => {
          const h = Math.round((r.value / max) * height);
          const x = 12 + i * (barWidth + 12);
          return (
            <g key={r.day}>
              <rect x={x} y={height - h + 20} width={barWidth} height={h} className="bar" />
              <text x={x + barWidth / 2} y={height - h + 14} textAnchor="middle" className="bar-value">
                {r.value}
              </text>
              <text x={x + barWidth / 2} y={height + 38} textAnchor="middle" className="bar-label">
                {r.day.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Count</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.day}>
              <td>{r.day}</td>
              <td>{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
