//! Fuzzing (issue 11) with proptest: the template parser, every CSV import and the form
//! decoder take arbitrary input without panicking or hanging, and every rejection is a
//! clear message. `cargo test` runs a bounded number of cases (proptest's 256 per target, a few
//! seconds); `PROPTEST_CASES=20000 cargo test --release --lib fuzz` runs more.

use std::collections::HashMap;

use proptest::prelude::*;

use crate::db::{CampaignId, UnitId};
use crate::import::UnitDirectory;
use crate::template::parse_template;

const SFO: &str = include_str!("../survey_templates/sfo.toml");
const REVIEW: &str = include_str!("../survey_templates/reviu-pengelolaan-kinerja.toml");

/// A valid template with a few random edits: deletions, insertions of TOML's own syntax
/// characters and duplicated lines reach far deeper into the checker than random bytes.
fn mutated(source: &'static str) -> impl Strategy<Value = String> {
    let edits = prop::collection::vec(
        (
            0..source.len(),
            prop_oneof![
                Just(String::new()),
                "[\\[\\]{}=\",.#\\n a-z0-9-]{1,8}".prop_map(|s| s),
                Just("\n[[dimensions.items]]\n".to_owned()),
                Just("\nweight = -1\n".to_owned()),
                Just("\u{0}".to_owned()),
            ],
            0..40usize,
        ),
        1..8,
    );
    edits.prop_map(move |edits| {
        let mut text = source.to_owned();
        for (at, insert, delete) in edits {
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + delete).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(at..end, &insert);
        }
        text
    })
}

fn every_issue_is_placed(
    result: Result<crate::template::Template, Vec<crate::template::TemplateIssue>>,
    source: &str,
) {
    if let Err(issues) = result {
        assert!(!issues.is_empty());
        let lines = source.lines().count().max(1);
        for issue in issues {
            assert!(
                issue.line >= 1 && issue.line <= lines + 1,
                "{issue} in {lines} lines"
            );
            assert!(issue.column >= 1, "{issue}");
            assert!(!issue.message.trim().is_empty());
        }
    }
}

fn directory() -> UnitDirectory {
    UnitDirectory::for_tests(
        CampaignId(1),
        HashMap::from([("A".to_owned(), UnitId(1)), ("B".to_owned(), UnitId(2))]),
        ["A", "B", "C"].map(str::to_owned).into(),
    )
}

/// CSV text made of the characters that matter to a CSV reader and to the checks.
fn csv_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9,;\\t\"\\n\\r =@+\u{0}é-]{0,400}",
        "(unit|email|code|name|parent_code|lang|head_email|clarity-goals)(,[a-z_-]{0,12}){0,6}\\n([A-Za-z0-9@. ,\"-]{0,30}\\n){0,20}",
    ]
}

proptest! {
    #[test]
    fn fuzz_template_parser_takes_any_text(source in any::<String>()) {
        every_issue_is_placed(parse_template(&source), &source);
    }

    #[test]
    fn fuzz_template_parser_takes_mutated_templates(source in prop_oneof![mutated(SFO), mutated(REVIEW)]) {
        every_issue_is_placed(parse_template(&source), &source);
    }

    #[test]
    fn fuzz_unit_csv(text in csv_text()) {
        if let Ok((rows, mut issues)) = crate::import::units::read_units_csv("u.csv", text.as_bytes()) {
            crate::import::units::check_tree(&[], &rows, &mut issues);
            for issue in &issues.issues {
                prop_assert!(issue.message.len() < 400, "{issue}");
            }
        }
    }

    #[test]
    fn fuzz_response_csv(text in csv_text(), checklist in any::<bool>()) {
        let template = parse_template(if checklist { REVIEW } else { SFO }).expect("template");
        let header = template.item_ids().join(",");
        let directory = directory();
        for input in [text.clone(), format!("unit,{header}\n{text}")] {
            if let Err(issues) = crate::import::responses::read_responses_csv("r.csv", input.as_bytes(), &template, &directory) {
                prop_assert!(!issues.is_empty());
                for issue in &issues.issues {
                    prop_assert!(issue.message.len() < 400, "{issue}");
                }
            }
        }
    }

    #[test]
    fn fuzz_invitation_csv(text in csv_text()) {
        let directory = directory();
        if let Err(issues) = crate::import::invitations::read_invitations_csv("p.csv", text.as_bytes(), &directory) {
            prop_assert!(!issues.is_empty());
        }
    }

    #[test]
    fn fuzz_form_decoder(fields in prop::collection::vec(("[a-z0-9_:-]{0,24}", any::<String>()), 0..60), checklist in any::<bool>()) {
        let template = parse_template(if checklist { REVIEW } else { SFO }).expect("template");
        let ids = template.item_ids();
        // Half the fields named after real items, so the values reach the per-item checks.
        let answers: crate::respond::RawAnswers = fields
            .into_iter()
            .enumerate()
            .map(|(i, (name, value))| {
                if i % 2 == 0 && !ids.is_empty() {
                    (ids[i % ids.len()].to_owned(), value)
                } else {
                    (name, value)
                }
            })
            .collect();
        let (encoded, _, _) = crate::respond::validate_for_tests(&template, &answers);
        prop_assert_eq!(encoded.len(), ids.len());
    }
}
