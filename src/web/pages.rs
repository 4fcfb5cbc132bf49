//! Page view models: what each askama template shows, built from domain values.

use askama::Template as _;

use super::i18n::Texts;
use crate::respond::{comment_field, FormProblems, OpenLink, Problem, RawAnswers};
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
    pub title: &'a str,
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
    /// (item id, message) for the summary at the top.
    pub problems: Vec<(&'a str, String)>,
    pub groups: Vec<GroupView<'a>>,
}

#[derive(askama::Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub t: &'a Texts,
    pub heading: &'a str,
    pub text: &'a str,
    pub detail: Option<String>,
    pub lang_switch: Option<String>,
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
    let groups: Vec<GroupView> = link
        .template
        .groups()
        .into_iter()
        .map(|group| GroupView {
            title: group.title.get(lang),
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
        .filter_map(|i| i.error.map(|e| (i.id, format!("{}. {e}", i.number))))
        .collect();
    if problems.is_some_and(|p| p.nothing_to_score) {
        summary.push(("", t.nothing_to_score.to_owned()));
    }
    let checklist = link.template.kind() == Kind::Checklist;
    let page = FormPage {
        t,
        title: link.template.title.get(lang),
        campaign_title: format!("{} ({})", link.campaign.title, link.campaign.period),
        unit_name: &link.unit_name,
        token,
        intro: if checklist {
            t.checklist_intro
        } else {
            t.survey_intro
        },
        checklist,
        saved,
        problems: summary,
        groups,
    };
    page.render()
        .unwrap_or_else(|e| format!("template error: {e}"))
}

pub fn message(
    t: &Texts,
    heading: &str,
    text: &str,
    detail: Option<String>,
    lang_switch: Option<String>,
) -> String {
    MessagePage {
        t,
        heading,
        text,
        detail,
        lang_switch,
    }
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
