//! Blank forms, rendered once per campaign, unit, language and notice and then only joined with
//! each link's token. A form without a draft is the same page for every invitee of a unit except
//! for the token in its action, and rendering it (escaping some 27 KB of questions) was most of a
//! form view's cost.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

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
    pages: RwLock<HashMap<Key, Arc<Vec<String>>>>,
}

impl BlankForms {
    /// The blank form of the link, for `token`. A campaign's template, title and unit snapshot
    /// never change, so a page never goes stale.
    pub fn render(&self, lang: Lang, link: &OpenLink, token: &str, saved: bool) -> String {
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
                let parts: Arc<Vec<String>> =
                    Arc::new(page.split(PLACEHOLDER).map(str::to_owned).collect());
                if let Ok(mut pages) = self.pages.write() {
                    if pages.len() < MAX_PAGES {
                        pages.insert(key, parts.clone());
                    }
                }
                parts
            }
        };
        parts.join(token)
    }
}
