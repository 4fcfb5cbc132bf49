//! `kinerja serve`: the respondent web service.
//!
//! - `app`: startup. The server's settings, the route table and the middleware order.
//! - `state`: what every handler shares (`AppState`) and the hop to the database (`blocking`).
//! - `middleware`: security headers, the request log (route patterns only, never a raw path)
//!   and the respondent pages' rate limit and cache rules.
//! - `routes/`: the handlers, one module per audience (`respondent`, `console_password`;
//!   the console and `api/` will join them), each registering its own routes in a `configure` function.
//! - `errors`: the pages for what went wrong (unknown link, closed campaign, 404, 413, 500).
//! - `blank_forms`: blank forms rendered once per unit and language, joined with each token.
//! - `pages`, `i18n`: the askama pages and every text they show, in Indonesian and English.
//!
//! Handlers are thin: they pick the language, run the blocking work of `respond` through the
//! database pool, and choose a page and a status.

mod api;
mod app;
mod blank_forms;
mod console;
mod errors;
mod forwarded;
mod i18n;
mod middleware;
mod pages;
pub mod ratelimit;
mod routes;
mod state;

pub use app::{serve, ServerConfig, MAX_BODY_BYTES};
