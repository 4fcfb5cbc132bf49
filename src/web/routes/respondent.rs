//! The respondent's pages: the form behind a personal link (view, save a draft, submit once)
//! and the thank-you page.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::db::{Access, DbConn};
use crate::pending::Written;
use crate::respond::{self, LinkError, Prepared, RawAnswers, TemplateCache};
use crate::template::Lang;
use crate::web::errors::{link_error_page, page};
use crate::web::i18n::{request_lang, texts, PageQuery};
use crate::web::middleware::{no_store, respondent_guard};
use crate::web::pages;
use crate::web::state::{blocking, AppState, WebError};

use super::is_cross_site;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(super::readable("/thanks").route(super::get_or_head().to(thanks)))
        .service(
            web::scope("/r")
                .wrap(from_fn(respondent_guard))
                .service(
                    web::resource("/{token}")
                        .route(super::get_or_head().to(show_form))
                        .route(web::post().to(post_form))
                        // PUT, DELETE, PATCH, OPTIONS...: the link exists for these three only.
                        .default_service(web::to(|| async {
                            super::method_not_allowed("GET, HEAD, POST")
                        })),
                )
                .service(
                    super::readable("/{token}/thanks").route(super::get_or_head().to(link_thanks)),
                ),
        );
}

/// The thank-you page without a link (an address kept from before the link's own one).
async fn thanks(req: HttpRequest) -> HttpResponse {
    let t = texts(request_lang(&req, None));
    page(StatusCode::OK, t, t.thanks_heading, t.thanks_text, None)
}

/// The thank-you page of a used link: names the survey and says what happens next. A link not
/// used yet goes back to its form.
async fn link_thanks(
    req: HttpRequest,
    token: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let token = token.into_inner();
    let submitted = match read_link(&state, &token, respond::submitted).await {
        Ok(Some(submitted)) => submitted,
        Ok(None) => {
            let asked = web::Query::<PageQuery>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.lang.as_deref().and_then(Lang::parse));
            return see_other(&match asked {
                Some(lang) => format!("/r/{token}?lang={}", lang.code()),
                None => format!("/r/{token}"),
            });
        }
        Err(error) => return link_error_page(&req, &state, error, None),
    };
    let t = texts(request_lang(&req, Some(submitted.lang)));
    html(StatusCode::OK, pages::thanks(t, &submitted))
}

/// A read of the database about the link of `token`.
async fn read_link<T: Send + 'static>(
    state: &web::Data<AppState>,
    token: &str,
    work: fn(&mut DbConn, &TemplateCache, &str) -> Result<T, LinkError>,
) -> Result<T, WebError> {
    let token = token.to_owned();
    blocking(state, Access::Read, move |conn, cache| {
        work(conn, cache, &token)
    })
    .await
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

async fn show_form(
    req: HttpRequest,
    token: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let token = token.into_inner();
    match read_link(&state, &token, respond::open_with_draft).await {
        Ok((link, draft)) => {
            let lang = request_lang(&req, Some(link.invitation.lang));
            let saved = web::Query::<PageQuery>::from_query(req.query_string())
                .ok()
                .is_some_and(|q| q.saved.is_some());
            if draft.is_empty() {
                return HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(state.blank_forms.render(lang, &link, &token, saved));
            }
            html(
                StatusCode::OK,
                pages::form(texts(lang), lang, &link, &token, &draft, None, saved),
            )
        }
        Err(error) => link_error_page(&req, &state, error, None),
    }
}

/// A posted form: the answers, the button pressed and the page's language. Deserialised pair by
/// pair straight into the answers, without a list of every pair first.
struct PostedForm {
    answers: RawAnswers,
    action: Action,
    lang: Option<Lang>,
}

/// The button pressed: "submit" (also what a form without one means), "save" (save and
/// continue later), or the language switch, "lang-en"/"lang-id", which saves too.
#[derive(Clone, Copy, PartialEq)]
enum Action {
    Submit,
    Save,
    SwitchTo(Lang),
}

impl Action {
    fn parse(value: &str) -> Option<Action> {
        match value {
            "submit" => Some(Action::Submit),
            "save" => Some(Action::Save),
            _ => value
                .strip_prefix("lang-")
                .and_then(Lang::parse)
                .map(Action::SwitchTo),
        }
    }
}

impl<'de> serde::Deserialize<'de> for PostedForm {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = PostedForm;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("form fields")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut pairs: A,
            ) -> Result<PostedForm, A::Error> {
                let mut form = PostedForm {
                    answers: RawAnswers::new(),
                    action: Action::Submit,
                    lang: None,
                };
                // A repeated name keeps its last value, as a map of the pairs would.
                while let Some((name, value)) = pairs.next_entry::<String, String>()? {
                    match name.as_str() {
                        // A button this form does not have: refused (400) rather than
                        // guessed at, since a guess might submit.
                        "action" => {
                            form.action = Action::parse(&value)
                                .ok_or_else(|| serde::de::Error::custom("unknown action"))?
                        }
                        "lang" => form.lang = Lang::parse(&value),
                        _ => {
                            form.answers.insert(name, value);
                        }
                    }
                }
                Ok(form)
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

async fn post_form(
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<PostedForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let token = token.into_inner();
    let PostedForm {
        answers,
        action,
        lang: form_lang,
    } = form.into_inner();
    let lang = request_lang(&req, form_lang);
    if is_cross_site(&req, &state) {
        let t = texts(lang);
        let mut response = page(
            StatusCode::FORBIDDEN,
            t,
            t.cross_site_heading,
            t.cross_site_text,
            None,
        );
        no_store(&mut response);
        return response;
    }
    // "Save and continue later", or the language switch, which saves the answers so far so
    // that switching loses nothing: both store a draft, then show the form again.
    if action != Action::Submit {
        let saving = token.clone();
        let (then, switch_to) = match action {
            Action::SwitchTo(other) => (format!("/r/{token}?lang={}", other.code()), Some(other)),
            _ => (format!("/r/{token}?saved=1&lang={}", lang.code()), None),
        };
        return match blocking(&state, Access::Write, move |conn, cache| {
            respond::save_draft(conn, cache, &saving, &answers)
        })
        .await
        {
            Ok(()) => see_other(&then),
            Err(error) => link_error_page(&req, &state, error, switch_to.or(form_lang)),
        };
    }
    let submitting = token.clone();
    let prepared = blocking(&state, Access::Read, move |conn, cache| {
        let prepared = respond::prepare(conn, cache, &submitting, &answers)?;
        Ok((prepared, answers))
    })
    .await;
    let (submission, facts) = match prepared {
        Ok((Prepared::Ready(submission, facts), _)) => (submission, facts),
        // Nothing is stored: the answers travel back in the page itself.
        Ok((Prepared::Invalid(link, problems), answers)) => {
            return html(
                StatusCode::UNPROCESSABLE_ENTITY,
                pages::form(
                    texts(lang),
                    lang,
                    &link,
                    &token,
                    &answers,
                    Some(&problems),
                    false,
                ),
            )
        }
        Err(error) => return link_error_page(&req, &state, error, form_lang),
    };
    let written = state
        .submissions
        .write(submission)
        .await
        .map_err(|e| WebError::Link(LinkError::Db(e)));
    match written {
        Ok(Written::Stored { .. }) => see_other(&format!("/r/{token}/thanks?lang={}", lang.code())),
        Ok(Written::AlreadySubmitted { .. }) => link_error_page(
            &req,
            &state,
            WebError::Link(LinkError::AlreadySubmitted(facts)),
            form_lang,
        ),
        Ok(Written::Closed { .. }) => link_error_page(
            &req,
            &state,
            WebError::Link(LinkError::Closed(facts)),
            form_lang,
        ),
        Err(error) => link_error_page(&req, &state, error, form_lang),
    }
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
