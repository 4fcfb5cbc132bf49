//! Blank forms, rendered once per campaign, unit, language and notice and then only joined with
//! each link's token. A form without a draft is the same page for every invitee of a unit except
//! for the token in its action, and rendering it (escaping some 27 KB of questions) was most of a
//! form view's cost.

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;

use crate::db::{CampaignId, UnitId};
use crate::respond::{OpenLink, RawAnswers};
use crate::template::Lang;
use crate::web::i18n::texts;
use crate::web::pages;

/// Stands for the token while rendering: letters only, as a token (base64url) is, so the
/// template prints both the same way.
const PLACEHOLDER: &str = "KinerjaTokenPlaceholderXq7Zr";

/// At most this many pages are kept (about 27 KB each for the SFO survey); past it, forms are
/// rendered as before.
const MAX_PAGES: usize = 4096;

type Key = (CampaignId, UnitId, Lang, bool);

#[derive(Default)]
pub struct BlankForms {
    pages: RwLock<HashMap<Key, Arc<Vec<Bytes>>>>,
}

impl BlankForms {
    /// The blank form of the link, for `token`. A campaign's template, title and unit snapshot
    /// never change, so a page never goes stale.
    pub fn render(&self, lang: Lang, link: &OpenLink, token: &str, saved: bool) -> BlankPage {
        let key = (link.campaign.id, link.invitation.unit_id, lang, saved);
        let cached = self.pages.read().ok().and_then(|p| p.get(&key).cloned());
        let parts = match cached {
            Some(parts) => parts,
            None => {
                let page = pages::form(
                    texts(lang),
                    lang,
                    link,
                    PLACEHOLDER,
                    &RawAnswers::new(),
                    None,
                    saved,
                );
                let parts: Arc<Vec<Bytes>> = Arc::new(
                    page.split(PLACEHOLDER)
                        .map(|part| Bytes::copy_from_slice(part.as_bytes()))
                        .collect(),
                );
                if let Ok(mut pages) = self.pages.write() {
                    if pages.len() < MAX_PAGES {
                        pages.insert(key, parts.clone());
                    }
                }
                parts
            }
        };
        BlankPage::new(parts, token)
    }
}

/// A blank form sent as its cached parts with the token between them: the parts are shared,
/// not copied into a page of their own for every view (the server writes each part straight
/// into the connection's buffer).
pub struct BlankPage {
    parts: Arc<Vec<Bytes>>,
    token: Bytes,
    /// The next chunk: even ones are parts, odd ones the token.
    next: usize,
    size: u64,
}

impl BlankPage {
    fn new(parts: Arc<Vec<Bytes>>, token: &str) -> BlankPage {
        let tokens = parts.len().saturating_sub(1);
        let size = parts.iter().map(Bytes::len).sum::<usize>() + tokens * token.len();
        BlankPage {
            parts,
            token: Bytes::copy_from_slice(token.as_bytes()),
            next: 0,
            size: size as u64,
        }
    }
}

impl MessageBody for BlankPage {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.size)
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Infallible>>> {
        let chunks = (self.parts.len() * 2).saturating_sub(1);
        while self.next < chunks {
            let i = self.next;
            self.next += 1;
            let chunk = if i.is_multiple_of(2) {
                self.parts[i / 2].clone()
            } else {
                self.token.clone()
            };
            if !chunk.is_empty() {
                return Poll::Ready(Some(Ok(chunk)));
            }
        }
        Poll::Ready(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts and tokens come out in order, empty parts skipped, and the announced size is
    /// the length of what comes out.
    #[actix_web::test]
    async fn a_page_is_its_parts_joined_by_the_token() {
        let parts: Vec<Bytes> = ["<form action=\"/r/", "\">", "", "<p>", ""]
            .into_iter()
            .map(|part| Bytes::from_static(part.as_bytes()))
            .collect();
        let page = BlankPage::new(Arc::new(parts), "Tok3n");
        assert!(matches!(page.size(), BodySize::Sized(42)));
        let body = actix_web::body::to_bytes(page).await;
        assert_eq!(
            body.ok().as_deref(),
            Some(&b"<form action=\"/r/Tok3n\">Tok3nTok3n<p>Tok3n"[..])
        );
    }
}
