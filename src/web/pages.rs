//! Page view models: what each askama template shows, built from domain values.

use askama::Template as _;

use super::i18n::Texts;
use crate::respond::{comment_field, FormProblems, OpenLink, Problem, RawAnswers};
use crate::template::{AnswerError, Instrument, Lang};

pub struct OptionView {
    pub input_id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct ItemView {
    pub id: String,
    pub number: usize,
    pub text: String,
    pub evidence: Option<String>,
    pub optional: bool,
    pub options: Vec<OptionView>,
    pub error: Option<String>,
    pub comment: String,
}

pub struct GroupView {
    pub title: String,
    pub items: Vec<ItemView>,
}

#[derive(askama::Template)]
#[template(path = "form.html")]
pub struct FormPage<'a> {
    pub t: &'a Texts,
    pub title: String,
    pub campaign_title: String,
    pub unit_name: String,
    pub token: String,
    pub intro: &'a str,
    pub checklist: bool,
    pub saved: bool,
    /// (item id, message) for the summary at the top.
    pub problems: Vec<(String, String)>,
    pub groups: Vec<GroupView>,
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

fn option(item_id: &str, value: String, label: String, given: Option<&String>) -> OptionView {
    OptionView {
        input_id: format!("i-{item_id}-{value}"),
        checked: given == Some(&value),
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
            .map(|p| problem_text(t, p).to_owned())
    };
    let mut number = 0;
    let groups: Vec<GroupView> = match &link.template.instrument {
        Instrument::Survey(survey) => survey
            .dimensions
            .iter()
            .map(|d| GroupView {
                title: d.title.get(lang).to_owned(),
                items: d
                    .items
                    .iter()
                    .map(|item| {
                        number += 1;
                        let given = answers.get(&item.id);
                        let mut options: Vec<OptionView> = (survey.scale.min..=survey.scale.max)
                            .map(|value| {
                                let index = (value - survey.scale.min) as usize;
                                let label =
                                    match survey.scale.labels.as_ref().and_then(|l| l.get(index)) {
                                        Some(label) => format!("{value} · {}", label.get(lang)),
                                        None => value.to_string(),
                                    };
                                option(&item.id, value.to_string(), label, given)
                            })
                            .collect();
                        if !item.required {
                            options.push(OptionView {
                                input_id: format!("i-{}-none", item.id),
                                value: String::new(),
                                label: t.not_answered.to_owned(),
                                checked: given.is_some_and(|g| g.is_empty()),
                            });
                        }
                        ItemView {
                            id: item.id.clone(),
                            number,
                            text: item.text.get(lang).to_owned(),
                            evidence: None,
                            optional: !item.required,
                            options,
                            error: error_of(&item.id),
                            comment: String::new(),
                        }
                    })
                    .collect(),
            })
            .collect(),
        Instrument::Checklist(checklist) => checklist
            .sections
            .iter()
            .map(|s| GroupView {
                title: s.title.get(lang).to_owned(),
                items: s
                    .items
                    .iter()
                    .map(|item| {
                        number += 1;
                        let given = answers.get(&item.id);
                        ItemView {
                            id: item.id.clone(),
                            number,
                            text: item.text.get(lang).to_owned(),
                            evidence: item.evidence.as_ref().map(|e| e.get(lang).to_owned()),
                            optional: false,
                            options: item
                                .options
                                .iter()
                                .map(|o| {
                                    option(
                                        &item.id,
                                        o.id.clone(),
                                        o.label.get(lang).to_owned(),
                                        given,
                                    )
                                })
                                .collect(),
                            error: error_of(&item.id),
                            comment: answers
                                .get(&comment_field(&item.id))
                                .cloned()
                                .unwrap_or_default(),
                        }
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut summary: Vec<(String, String)> = groups
        .iter()
        .flat_map(|g| g.items.iter())
        .filter_map(|i| {
            i.error
                .as_ref()
                .map(|e| (i.id.clone(), format!("{}. {e}", i.number)))
        })
        .collect();
    if problems.is_some_and(|p| p.nothing_to_score) {
        summary.push((String::new(), t.nothing_to_score.to_owned()));
    }
    let checklist = matches!(link.template.instrument, Instrument::Checklist(_));
    let page = FormPage {
        t,
        title: link.template.title.get(lang).to_owned(),
        campaign_title: format!("{} ({})", link.campaign.title, link.campaign.period),
        unit_name: link.unit_name.clone(),
        token: token.to_owned(),
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
