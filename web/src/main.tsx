import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";
import Layout from "./components/Layout";
import { LiveProvider } from "./live";
import Home from "./pages/Home";
import Program from "./pages/Program";
import SessionPage from "./pages/Session";
import Agenda from "./pages/Agenda";
import Notifications from "./pages/Notifications";
import Expo from "./pages/Expo";
import Booth from "./pages/Booth";
import Profile from "./pages/Profile";
import { Register, SignIn } from "./pages/Auth";
import { NotFound } from "./pages/Misc";
import Faq from "./pages/Faq";
import Networking from "./pages/Networking";
import ExhibitorPortal from "./pages/Exhibitor";
import OrganizerPortal from "./pages/Organizer";
import "./styles.css";

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: "/", element: <Home /> },
      { path: "/program", element: <Program /> },
      { path: "/sessions/:sessionId", element: <SessionPage /> },
      { path: "/agenda", element: <Agenda /> },
      { path: "/notifications", element: <Notifications /> },
      { path: "/expo", element: <Expo /> },
      { path: "/expo/:exhibitorId", element: <Booth /> },
      { path: "/me", element: <Profile /> },
      { path: "/register", element: <Register /> },
      { path: "/sign-in", element: <SignIn /> },
      { path: "/login", element: <SignIn /> }, // the link in the sign-in email
      { path: "/faq", element: <Faq /> },
      { path: "/networking/*", element: <Networking /> },
      { path: "/exhibitor/*", element: <ExhibitorPortal /> },
      { path: "/organizer/*", element: <OrganizerPortal /> },
      { path: "*", element: <NotFound /> },
    ],
  },
]);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <LiveProvider>
      <RouterProvider router={router} />
    </LiveProvider>
  </StrictMode>,
);
