//! Page view models: what each askama template shows, built from domain values.

use askama::Template as _;

use super::i18n::Texts;
use crate::db::campaigns::CampaignStatus;
use crate::respond::{comment_field, FormProblems, OpenLink, Problem, RawAnswers, Submitted};
use crate::template::{AnswerError, ItemAnswer, Kind, Lang};

// The view models borrow from the template, the answers and the texts: a survey form has
// about 150 options, and building them allocated about 450 strings per page view.

pub struct OptionView<'a> {
    /// The input's id is `i-{item id}-{suffix}`: the value, or "none" for "not answered".
    pub id_suffix: &'a str,
    pub value: &'a str,
    pub label: &'a str,
    pub checked: bool,
}

pub struct ItemView<'a> {
    pub id: &'a str,
    pub number: usize,
    pub text: &'a str,
    pub evidence: Option<&'a str>,
    pub optional: bool,
    pub options: Vec<OptionView<'a>>,
    pub error: Option<&'static str>,
    pub comment: &'a str,
}

pub struct GroupView<'a> {
    /// "Bagian 2 dari 5 · Kepemimpinan".
    pub heading: String,
    pub items: Vec<ItemView<'a>>,
}

#[derive(askama::Template)]
#[template(path = "form.html")]
pub struct FormPage<'a> {
    pub t: &'a Texts,
    pub title: &'a str,
    pub campaign_title: String,
    pub unit_name: &'a str,
    pub token: &'a str,
    pub intro: &'a str,
    pub checklist: bool,
    pub saved: bool,
    pub saved_notice: String,
    /// "Terbuka sampai 31 Desember 2026", when the campaign has a closing day.
    pub open_until: Option<String>,
    /// "sekitar 6 menit".
    pub minutes: String,
    /// "Ada 3 masalah", on a form sent back with problems.
    pub problem_count: Option<String>,
    /// (item id, line) for the summary at the top: one line per problem, naming its question.
    pub problems: Vec<(&'a str, String)>,
    pub groups: Vec<GroupView<'a>>,
    /// "dari 25 pertanyaan dijawab", after the count CSS writes.
    pub answered_of: String,
    pub contact: Option<&'a str>,
}

/// What a page about a link (or the lack of one) says.
pub struct Message<'a> {
    pub heading: &'a str,
    pub text: &'a str,
    /// Paragraphs after the text (what happens next, on the thank-you page).
    pub more: Vec<String>,
    /// Small print: the campaign's title.
    pub detail: Option<String>,
    /// The organizer's address, for a respondent who is stuck.
    pub contact: Option<&'a str>,
}

impl<'a> Message<'a> {
    /// A heading and a text, nothing more.
    pub fn new(heading: &'a str, text: &'a str) -> Message<'a> {
        Message {
            heading,
            text,
            more: Vec::new(),
            detail: None,
            contact: None,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub t: &'a Texts,
    pub m: &'a Message<'a>,
    pub lang_switch: Option<String>,
}

/// A question as the problem summary names it, cut to this many characters.
const SUMMARY_QUESTION_CHARS: usize = 70;

/// A question as the problem summary names it: whole, or cut after its last whole word that
/// fits, with "…".
fn question_head(text: &str) -> String {
    let cut = crate::domain::cut(text, SUMMARY_QUESTION_CHARS);
    let Some(head) = cut.strip_suffix('…') else {
        return cut;
    };
    match head.rfind(' ') {
        // A word longer than half the room is cut where it is.
        Some(space) if space > SUMMARY_QUESTION_CHARS / 2 => format!("{}…", &head[..space]),
        _ => cut,
    }
}

fn problem_text(t: &Texts, problem: &Problem) -> &'static str {
    match problem {
        Problem::Answer(AnswerError::MissingRequired) => t.please_answer,
        Problem::Answer(_) => t.choose_an_option,
        Problem::CommentTooLong => t.comment_too_long,
    }
}

fn option<'a>(value: &'a str, label: &'a str, given: Option<&String>) -> OptionView<'a> {
    OptionView {
        id_suffix: value,
        checked: given.is_some_and(|g| g == value),
        value,
        label,
    }
}

/// The form for a link, filled with `answers` (a draft or a rejected submission).
pub fn form(
    t: &Texts,
    lang: Lang,
    link: &OpenLink,
    token: &str,
    answers: &RawAnswers,
    problems: Option<&FormProblems>,
    saved: bool,
) -> String {
    let error_of = |id: &str| {
        problems
            .and_then(|p| p.items.get(id))
            .map(|p| problem_text(t, p))
    };
    let mut number = 0;
    // A survey's scale points, the same for every item: ("4", "4 · Agak setuju").
    let scale: Vec<(String, String)> = link
        .template
        .scale()
        .map(|scale| {
            (scale.min..=scale.max)
                .map(|value| {
                    let index = (value - scale.min) as usize;
                    let label = match scale.labels.as_ref().and_then(|l| l.get(index)) {
                        Some(label) => format!("{value} · {}", label.get(lang)),
                        None => value.to_string(),
                    };
                    (value.to_string(), label)
                })
                .collect()
        })
        .unwrap_or_default();
    let template_groups = link.template.groups();
    let parts = template_groups.len();
    let groups: Vec<GroupView> = template_groups
        .into_iter()
        .enumerate()
        .map(|(index, group)| GroupView {
            heading: t.part(index + 1, parts, group.title.get(lang)),
            items: group
                .items
                .into_iter()
                .map(|item| {
                    number += 1;
                    let given = answers.get(item.id);
                    let (options, evidence, comment) = match item.answer {
                        ItemAnswer::Scale { required, .. } => {
                            let mut options: Vec<OptionView> = scale
                                .iter()
                                .map(|(value, label)| option(value, label, given))
                                .collect();
                            if !required {
                                options.push(OptionView {
                                    id_suffix: "none",
                                    value: "",
                                    label: t.not_answered,
                                    checked: given.is_some_and(|g| g.is_empty()),
                                });
                            }
                            (options, None, "")
                        }
                        ItemAnswer::Options {
                            evidence, options, ..
                        } => (
                            options
                                .iter()
                                .map(|o| option(&o.id, o.label.get(lang), given))
                                .collect(),
                            evidence.map(|e| e.get(lang)),
                            answers
                                .get(&comment_field(item.id))
                                .map(String::as_str)
                                .unwrap_or_default(),
                        ),
                    };
                    ItemView {
                        id: item.id,
                        number,
                        text: item.text.get(lang),
                        evidence,
                        optional: item.is_optional(),
                        options,
                        error: error_of(item.id),
                        comment,
                    }
                })
                .collect(),
        })
        .collect();
    let mut summary: Vec<(&str, String)> = groups
        .iter()
        .flat_map(|g| g.items.iter())
        .filter_map(|i| {
            i.error.map(|e| {
                let question = question_head(i.text);
                (i.id, format!("{}. {question} — {e}", i.number))
            })
        })
        .collect();
    if problems.is_some_and(|p| p.nothing_to_score) {
        summary.push(("", t.nothing_to_score.to_owned()));
    }
    let checklist = link.template.kind() == Kind::Checklist;
    let closes_on = link.campaign.closes_on;
    let page = FormPage {
        t,
        title: link.template.title.get(lang),
        campaign_title: crate::campaign::title_with_period(
            &link.campaign.title,
            &link.campaign.period,
        ),
        unit_name: &link.unit_name,
        token,
        intro: if checklist {
            t.checklist_intro
        } else {
            t.survey_intro
        },
        checklist,
        saved,
        saved_notice: t.saved_until(closes_on),
        open_until: closes_on.map(|day| t.open_until_day(day)),
        minutes: lang.about_minutes(link.template.estimated_minutes()),
        problem_count: problems.map(|_| t.problems(summary.len())),
        problems: summary,
        answered_of: t.answered_of(number),
        groups,
        contact: link.campaign.contact.as_deref(),
    };
    page.render()
        .unwrap_or_else(|e| format!("template error: {e}"))
}

/// The thank-you page of a used link: the survey's name and what happens next.
pub fn thanks(t: &Texts, submitted: &Submitted) -> String {
    let closed = submitted.status == CampaignStatus::Closed;
    let next = match submitted.kind {
        Kind::Survey => t.next_for_survey(submitted.min_responses, submitted.closes_on, closed),
        Kind::Checklist => t.next_for_review(submitted.closes_on, closed),
    };
    let received = t.received(&submitted.title);
    message(
        t,
        &Message {
            heading: t.thanks_heading,
            text: &received,
            more: vec![next, t.close_page.to_owned()],
            detail: None,
            contact: submitted.contact.as_deref(),
        },
        Some(format!("?lang={}", t.other_lang)),
    )
}

pub fn message(t: &Texts, m: &Message, lang_switch: Option<String>) -> String {
    MessagePage { t, m, lang_switch }
        .render()
        .unwrap_or_else(|e| format!("template error: {e}"))
}

#[derive(askama::Template)]
#[template(path = "console_password.html")]
pub struct PasswordPage<'a> {
    pub t: &'a Texts,
    pub p: &'a super::i18n::PasswordTexts,
    pub email: &'a str,
    pub token: &'a str,
    pub error: Option<&'a str>,
}

/// The form behind a password link; `error` says what was wrong with the last attempt.
pub fn password_form(
    t: &Texts,
    p: &super::i18n::PasswordTexts,
    email: &str,
    token: &str,
    error: Option<&str>,
) -> String {
    PasswordPage {
        t,
        p,
        email,
        token,
        error,
    }
    .render()
    .unwrap_or_else(|e| format!("template error: {e}"))
}
