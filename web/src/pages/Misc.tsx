import { Link } from "react-router";

export function ComingSoon({ title }: { title: string }) {
  return (
    <>
      <h1>{title}</h1>
      <p>This part of the event opens soon. Meanwhile, see the <Link to="/program">program</Link>.</p>
    </>
  );
}

export function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p><Link to="/">Back to the event home</Link></p>
    </>
  );
}
