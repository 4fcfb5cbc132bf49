//! The template contract, checked through `parse_template`: the examples parse into the model,
//! and every problem is reported at its line and column with its exact message.

use super::checker::line_column;
use super::*;
use crate::template::model::{Checklist, Lang, OptionValue, Survey, SurveyItem};

/// The contract's survey example (a copy of /work/shared/examples/survey.toml), shared with the
/// integration tests.
const SURVEY_EXAMPLE: &str = include_str!("../../../tests/fixtures/team-climate.toml");

/// The contract's checklist example (a copy of /work/shared/examples/checklist.toml), shared
/// with the integration tests.
const CHECKLIST_EXAMPLE: &str = include_str!("../../../tests/fixtures/records-review.toml");

/// Lines 1-4 of most survey test files.
const SURVEY_HEAD: &str = "id = \"t\"\nversion = 1\nkind = \"survey\"\ntitle = \"T\"\n";
/// Lines 1-4 of most checklist test files.
const CHECKLIST_HEAD: &str = "id = \"t\"\nversion = 1\nkind = \"checklist\"\ntitle = \"T\"\n";
/// Lines 5-7 of most survey test files: a valid 1..5 scale.
const SCALE: &str = "[scale]\nmin = 1\nmax = 5\n";
/// A valid dimension with one item, for survey test files whose problems lie elsewhere.
const DIMENSION: &str = "[[dimensions]]\nid = \"d\"\ntitle = \"D\"\n\
                         [[dimensions.items]]\nid = \"i\"\ntext = \"I\"\n";

fn survey(body: &str) -> String {
    format!("{SURVEY_HEAD}{SCALE}{body}")
}

fn checklist(body: &str) -> String {
    format!("{CHECKLIST_HEAD}{body}")
}

/// The issues of an invalid template, each as "LINE:COL: message".
fn issues(source: &str) -> Vec<String> {
    match parse_template(source) {
        Ok(template) => panic!("expected issues, parsed {template:#?}"),
        Err(issues) => issues.iter().map(ToString::to_string).collect(),
    }
}

fn parsed(source: &str) -> Template {
    match parse_template(source) {
        Ok(template) => template,
        Err(issues) => panic!("expected a template, got {issues:#?}"),
    }
}

fn survey_of(template: &Template) -> &Survey {
    match &template.instrument {
        Instrument::Survey(survey) => survey,
        Instrument::Checklist(_) => panic!("expected a survey"),
    }
}

fn checklist_of(template: &Template) -> &Checklist {
    match &template.instrument {
        Instrument::Checklist(checklist) => checklist,
        Instrument::Survey(_) => panic!("expected a checklist"),
    }
}

const ID_RULE_TEXT: &str = "ids may contain only letters A-Z and a-z, digits 0-9, '_', '.' \
                                and '-' (they become CSV column headers and URL parts)";

// ---- the examples ----------------------------------------------------------------------

#[test]
fn survey_example_parses() {
    let template = parsed(SURVEY_EXAMPLE);
    assert_eq!(template.key, "team-climate");
    assert_eq!(template.version, 1);
    assert_eq!(template.kind(), Kind::Survey);
    assert_eq!(
        template.title,
        Localized {
            id: "Survei Iklim Tim".into(),
            en: "Team Climate Survey".into()
        }
    );
    let survey = survey_of(&template);
    assert_eq!((survey.scale.min, survey.scale.max), (1, 5));
    assert_eq!(survey.scale.points(), 5);
    let labels = survey.scale.labels.as_ref().expect("labels");
    assert_eq!(labels.len(), 5);
    assert_eq!(labels[0].id, "Sangat tidak setuju");
    assert_eq!(labels[0].en, "Strongly disagree");
    assert_eq!(labels[4].get(Lang::En), "Strongly agree");
    assert_eq!(survey.dimensions.len(), 2);
    let weights: Vec<f64> = survey.dimensions.iter().map(|d| d.weight).collect();
    assert_eq!(weights, [1.0, 2.0]);
    assert_eq!(template.group_ids(), ["clarity", "support"]);
    assert_eq!(survey.dimensions[1].title.en, "Support");
    assert_eq!(
        template.item_ids(),
        [
            "clarity-goals",
            "clarity-role",
            "clarity-confused",
            "support-manager",
            "support-tools"
        ]
    );
    let items: Vec<&SurveyItem> = survey.dimensions.iter().flat_map(|d| &d.items).collect();
    let flags: Vec<(bool, bool)> = items.iter().map(|i| (i.reverse, i.required)).collect();
    assert_eq!(
        flags,
        [
            (false, true),
            (false, true),
            (true, true), // clarity-confused is reverse-scored
            (false, true),
            (false, false), // support-tools is optional
        ]
    );
    assert_eq!(items[0].text.id, "Saya tahu tujuan tim saya tahun ini.");
    assert_eq!(items[0].text.en, "I know my team's goals for this year.");
}

#[test]
fn checklist_example_parses() {
    let template = parsed(CHECKLIST_EXAMPLE);
    assert_eq!(template.key, "records-review");
    assert_eq!(template.version, 1);
    assert_eq!(template.kind(), Kind::Checklist);
    assert_eq!(template.title.en, "Records Management Review");
    let checklist = checklist_of(&template);
    assert_eq!(template.group_ids(), ["storage", "access"]);
    let weights: Vec<f64> = checklist.sections.iter().map(|s| s.weight).collect();
    assert_eq!(weights, [40.0, 60.0]);
    assert_eq!(
        template.item_ids(),
        ["storage-index", "storage-backup", "access-log"]
    );
    let index = &checklist.sections[0].items[0];
    assert_eq!(index.points, 50.0);
    assert_eq!(
        index.evidence,
        Some(Localized {
            id: "Daftar arsip".into(),
            en: "Records index".into()
        })
    );
    assert_eq!(checklist.sections[0].items[1].evidence, None);
    let backup: Vec<(&str, OptionValue)> = checklist.sections[0].items[1]
        .options
        .iter()
        .map(|o| (o.id.as_str(), o.value))
        .collect();
    assert_eq!(
        backup,
        [
            ("harian", OptionValue::Score(1.0)),
            ("mingguan", OptionValue::Score(0.5)),
            ("tidak", OptionValue::Score(0.0)),
        ]
    );
    let access_log = &checklist.sections[1].items[0];
    assert_eq!(access_log.id, "access-log");
    assert_eq!(access_log.points, 100.0);
    assert_eq!(access_log.options.len(), 3);
    assert_eq!(access_log.options[2].id, "na");
    assert_eq!(access_log.options[2].value, OptionValue::NotApplicable);
    assert_eq!(access_log.options[2].label.en, "Not applicable");
    assert_eq!(access_log.options[2].label.id, "Tidak relevan");
}

#[test]
fn defaults_and_localized_forms() {
    let template = parsed(&survey(concat!(
        "[[dimensions]]\n",
        "id = \"d\"\n",
        "title = { en = \"Only English\" }\n",
        "[[dimensions.items]]\n",
        "id = \"i\"\n",
        "text = { id = \"Hanya Indonesia\" }\n",
    )));
    assert_eq!(template.title, Localized::same("T"));
    let survey = survey_of(&template);
    assert_eq!(survey.scale.labels, None);
    let dimension = &survey.dimensions[0];
    assert_eq!(dimension.weight, 1.0);
    assert_eq!(dimension.title, Localized::same("Only English"));
    let item = &dimension.items[0];
    assert_eq!(item.text, Localized::same("Hanya Indonesia"));
    assert!(!item.reverse);
    assert!(item.required);
}

#[test]
fn accepts_label_variants_and_number_forms() {
    // One language only: the other falls back to it.
    let template = parsed(&format!(
        "{SURVEY_HEAD}[scale]\nmin = 0\nmax = 2\n\
             labels = {{ en = [\"No\", \"Maybe\", \"Yes\"] }}\n\
             [[dimensions]]\nid = \"d\"\ntitle = \"D\"\nweight = 0x10\n\
             [[dimensions.items]]\nid = \"i\"\ntext = \"I\"\n"
    ));
    let survey = survey_of(&template);
    assert_eq!(survey.dimensions[0].weight, 16.0);
    let labels = survey.scale.labels.clone().expect("labels");
    assert_eq!(labels[1], Localized::same("Maybe"));
    // An array of localized texts.
    let template = parsed(&format!(
        "{SURVEY_HEAD}[scale]\nmin = -1\nmax = 1\n\
             labels = [\"Tidak\", {{ id = \"Ragu\", en = \"Unsure\" }}, {{ en = \"Yes\" }}]\n\
             [[dimensions]]\nid = \"d\"\ntitle = \"D\"\nweight = 1_0.5e0\n\
             [[dimensions.items]]\nid = \"A.b_c-9\"\ntext = \"I\"\n"
    ));
    let survey = survey_of(&template);
    assert_eq!((survey.scale.min, survey.scale.max), (-1, 1));
    assert_eq!(survey.dimensions[0].weight, 10.5);
    assert_eq!(template.item_ids(), ["A.b_c-9"]);
    assert_eq!(
        survey.scale.labels,
        Some(vec![
            Localized::same("Tidak"),
            Localized {
                id: "Ragu".into(),
                en: "Unsure".into()
            },
            Localized::same("Yes"),
        ])
    );
}

#[test]
fn scale_of_254_points_is_the_largest() {
    let body = "[[dimensions]]\nid = \"d\"\ntitle = \"D\"\n\
                    [[dimensions.items]]\nid = \"i\"\ntext = \"I\"\n";
    let ok = format!("{SURVEY_HEAD}[scale]\nmin = 1\nmax = 254\n{body}");
    assert_eq!(survey_of(&parsed(&ok)).scale.points(), 254);
    let ok = format!("{SURVEY_HEAD}[scale]\nmin = -127\nmax = 126\n{body}");
    assert_eq!(survey_of(&parsed(&ok)).scale.points(), 254);
    let too_big = format!("{SURVEY_HEAD}[scale]\nmin = 0\nmax = 254\n{body}");
    assert_eq!(
        issues(&too_big),
        [
            "7:7: scale from 0 to 254 has 255 points; at most 254 are allowed \
              (an answer must fit one byte)"
        ]
    );
}

// ---- errors ----------------------------------------------------------------------------

#[test]
fn syntax_error_is_one_issue_at_its_place() {
    let found = parse_template("id = \"t\"\nversion = 1\nkind = \"survey\nlabels = 1\n")
        .expect_err("syntax error");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].line, found[0].column), (3, 15));
    assert!(
        found[0].message.starts_with("invalid TOML: "),
        "{}",
        found[0].message
    );
    // Duplicate keys are a syntax error too.
    let found = parse_template("id = \"t\"\nid = \"u\"\n").expect_err("duplicate key");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 2);
}

#[test]
fn empty_file_misses_every_top_level_field() {
    assert_eq!(
        issues(""),
        [
            "1:1: the template has no `id`",
            "1:1: the template has no `version`",
            "1:1: the template has no `kind`",
            "1:1: the template has no `title`",
        ]
    );
}

#[test]
fn unknown_kind() {
    assert_eq!(
        issues("id = \"t\"\nversion = 1\nkind = \"quiz\"\ntitle = \"T\"\n"),
        ["3:8: unknown kind \"quiz\": expected \"survey\" or \"checklist\""]
    );
    assert_eq!(
        issues("id = \"t\"\nversion = 1\nkind = 2\ntitle = \"T\"\n"),
        ["3:8: `kind` of the template must be \"survey\" or \"checklist\", found integer `2`"]
    );
}

#[test]
fn missing_kind_still_checks_the_instrument() {
    let source = "id = \"t\"\nversion = 1\ntitle = \"T\"\n[scale]\nmin = 1\nmax = 5\n\
                      [[dimensions]]\nid = \"d\"\ntitle = \"D\"\n";
    assert_eq!(
        issues(source),
        [
            "1:1: the template has no `kind`",
            "7:1: dimension 'd' (dimensions[0]) has no `items`",
        ]
    );
}

#[test]
fn version_must_be_a_positive_integer() {
    for (written, found) in [
        ("0", "integer `0`"),
        ("-2", "integer `-2`"),
        ("\"1\"", "string `\"1\"`"),
        ("1.5", "float `1.5`"),
        ("3000000000", "integer `3000000000`"),
    ] {
        let source = survey("").replace("version = 1", &format!("version = {written}"));
        let found_issues = issues(&source);
        assert_eq!(
            found_issues[0],
            format!("2:11: `version` must be a positive integer, found {found}")
        );
    }
}

#[test]
fn scale_min_must_be_less_than_max() {
    let source = format!("{SURVEY_HEAD}[scale]\nmin = 6\nmax = 1\n{DIMENSION}");
    assert_eq!(
        issues(&source),
        ["6:7: scale min (6) must be less than max (1)"]
    );
    let equal = source.replace("min = 6", "min = 1");
    assert_eq!(
        issues(&equal),
        ["6:7: scale min (1) must be less than max (1)"]
    );
}

#[test]
fn scale_fields_are_checked() {
    let source = format!("{SURVEY_HEAD}[scale]\nmax = 1.5\nmaximum = 3\n{DIMENSION}");
    assert_eq!(
        issues(&source),
        [
            "5:1: the scale has no `min`",
            "6:7: `max` of the scale must be an integer, found float `1.5`",
            "7:1: unknown field `maximum` in the scale; expected one of `min`, `max` or \
                 `labels`",
        ]
    );
    let source = format!("{SURVEY_HEAD}[scale]\nmin = 1\nmax = 99999999999\n{DIMENSION}");
    assert_eq!(
        issues(&source),
        [
            "7:7: `max` of the scale must be between -2147483648 and 2147483647, found \
              99999999999"
        ]
    );
    assert_eq!(
        issues(&format!(
            "{SURVEY_HEAD}scale = 5\n[[dimensions]]\nid = \"d\"\ntitle = \"D\"\n\
                 items = [{{ id = \"i\", text = \"I\" }}]\n"
        )),
        ["5:9: `scale` of the template must be a table ([scale]), found integer `5`"]
    );
}

#[test]
fn scale_with_too_many_points() {
    let source = format!("{SURVEY_HEAD}[scale]\nmin = 1\nmax = 300\n{DIMENSION}");
    assert_eq!(
        issues(&source),
        [
            "7:7: scale from 1 to 300 has 300 points; at most 254 are allowed (an answer must \
              fit one byte)"
        ]
    );
}

#[test]
fn label_count_must_match_the_scale_per_language() {
    let source = format!(
        "{SURVEY_HEAD}[scale]\nmin = 1\nmax = 4\n\
             labels = {{ id = [\"a\", \"b\", \"c\"], en = [\"A\", \"B\", \"C\", \"D\", \"\"] }}\n{DIMENSION}"
    );
    assert_eq!(
        issues(&source),
        [
            "8:17: `labels.id` of the scale has 3 labels but the scale has 4 points; give one \
                 label per point",
            "8:39: `labels.en` of the scale has 5 labels but the scale has 4 points; give one \
                 label per point",
            "8:60: `labels.en[4]` of the scale is empty",
        ]
    );
    let array = source.replace(
        "labels = { id = [\"a\", \"b\", \"c\"], en = [\"A\", \"B\", \"C\", \"D\", \"\"] }",
        "labels = [\"a\", { id = \"b\" }, { en = \"c\", id = \" \" }]",
    );
    assert_eq!(
        issues(&array),
        [
            "8:10: `labels` of the scale has 3 labels but the scale has 4 points; give one \
                 label per point",
            "8:47: `labels[2].id` of the scale is empty",
        ]
    );
    let wrong = source.replace(
        "labels = { id = [\"a\", \"b\", \"c\"], en = [\"A\", \"B\", \"C\", \"D\", \"\"] }",
        "labels = { id = \"a\", de = [] }",
    );
    assert_eq!(
        issues(&wrong),
        [
            "8:17: `labels.id` of the scale must be an array of strings, found string `\"a\"`",
            "8:22: unknown field `de` in `labels` of the scale; expected `id` or `en`",
        ]
    );
    let empty = source.replace(
        "labels = { id = [\"a\", \"b\", \"c\"], en = [\"A\", \"B\", \"C\", \"D\", \"\"] }",
        "labels = {}",
    );
    assert_eq!(
        issues(&empty),
        ["8:10: `labels` of the scale is empty: give its `id` and/or `en` lists"]
    );
}

#[test]
fn dimension_without_items() {
    let source = survey(concat!(
        "[[dimensions]]\n",         // 8
        "id = \"leadership\"\n",    // 9
        "title = \"Leadership\"\n", // 10
        "[[dimensions]]\n",         // 11
        "id = \"align\"\n",         // 12
        "title = \"Align\"\n",      // 13
        "items = []\n",             // 14
    ));
    assert_eq!(
        issues(&source),
        [
            "8:1: dimension 'leadership' (dimensions[0]) has no `items`",
            "14:9: `items` of dimension 'align' (dimensions[1]) is empty: a dimension needs \
                 at least one item",
        ]
    );
}

#[test]
fn survey_without_dimensions() {
    assert_eq!(
        issues(&survey("")),
        ["3:8: a survey has no `dimensions`: add at least one [[dimensions]] table"]
    );
    assert_eq!(
        issues(&format!("{SURVEY_HEAD}dimensions = []\n{SCALE}")),
        ["5:14: `dimensions` is empty: a survey needs at least one dimension"]
    );
    assert_eq!(
        issues(&format!(
            "{SURVEY_HEAD}dimensions = [1, {{ title = \"D\" }}]\n{SCALE}"
        )),
        [
            "5:15: `dimensions` of the template must hold only tables, found integer `1`",
            "5:18: dimensions[1] has no `id`",
            "5:18: dimensions[1] has no `items`",
        ]
    );
    assert_eq!(
        issues(&format!(
            "{SURVEY_HEAD}[[dimensions]]\nid = \"d\"\ntitle = \"D\"\nitems = {{ id = \"x\" }}\n"
        )),
        [
            "3:8: a survey has no `scale`: add a [scale] table with `min` and `max`",
            "8:9: `items` of dimension 'd' (dimensions[0]) must be an array of tables \
                 ([[dimensions.items]]), found table",
        ]
    );
}

#[test]
fn checklist_without_sections() {
    assert_eq!(
        issues(&checklist("")),
        ["3:8: a checklist has no `sections`: add at least one [[sections]] table"]
    );
    assert_eq!(
        issues(&checklist("sections = []\n")),
        ["5:12: `sections` is empty: a checklist needs at least one section"]
    );
}

#[test]
fn section_without_items_and_missing_fields() {
    let source = checklist(concat!(
        "[[sections]]\n",  // 5
        "id = \"a\"\n",    // 6
        "title = \"A\"\n", // 7
        "[[sections]]\n",  // 8
        "id = \"b\"\n",    // 9
        "weight = 1\n",    // 10
        "items = []\n",    // 11
    ));
    assert_eq!(
        issues(&source),
        [
            "5:1: section 'a' (sections[0]) has no `weight`",
            "5:1: section 'a' (sections[0]) has no `items`",
            "8:1: section 'b' (sections[1]) has no `title`",
            "11:9: `items` of section 'b' (sections[1]) is empty: a section needs at least \
                 one item",
        ]
    );
}

#[test]
fn missing_fields_name_the_field_and_the_table() {
    let source = survey(concat!(
        "[[dimensions]]\n",       // 8
        "title = \"D\"\n",        // 9
        "[[dimensions.items]]\n", // 10
        "id = \"q\"\n",           // 11
    ));
    assert_eq!(
        issues(&source),
        [
            "8:1: dimensions[0] has no `id`",
            "10:1: item 'q' (dimensions[0].items[0]) has no `text`",
        ]
    );
    let source = checklist(concat!(
        "[[sections]]\n",                               // 5
        "id = \"s\"\n",                                 // 6
        "title = \"S\"\n",                              // 7
        "weight = 1\n",                                 // 8
        "[[sections.items]]\n",                         // 9
        "id = \"a\"\n",                                 // 10
        "[[sections.items]]\n",                         // 11
        "id = \"b\"\n",                                 // 12
        "text = \"B\"\n",                               // 13
        "points = 1\n",                                 // 14
        "options = [ { label = \"X\", score = 1 } ]\n", // 15
    ));
    assert_eq!(
        issues(&source),
        [
            "9:1: item 'a' (sections[0].items[0]) has no `text`",
            "9:1: item 'a' (sections[0].items[0]) has no `points`",
            "9:1: item 'a' (sections[0].items[0]) has no `options`",
            "15:13: sections[0].items[1].options[0] has no `id`",
        ]
    );
}

#[test]
fn duplicate_ids() {
    let source = survey(concat!(
        "[[dimensions]]\n",       // 8
        "id = \"lead\"\n",        // 9
        "title = \"L\"\n",        // 10
        "[[dimensions.items]]\n", // 11
        "id = \"q1\"\n",          // 12
        "text = \"Q\"\n",         // 13
        "[[dimensions]]\n",       // 14
        "id = \"lead\"\n",        // 15
        "title = \"L\"\n",        // 16
        "[[dimensions.items]]\n", // 17
        "id = \"q2\"\n",          // 18
        "text = \"Q\"\n",         // 19
        "[[dimensions.items]]\n", // 20
        "id = \"q1\"\n",          // 21
        "text = \"Q\"\n",         // 22
    ));
    assert_eq!(
        issues(&source),
        [
            "15:6: duplicate dimension id 'lead' (dimensions[1]): already used at line 9; \
                 dimension ids must be unique in the template",
            "21:6: duplicate item id 'q1' (dimensions[1].items[1]): already used at line 12; \
                 item ids must be unique in the template",
        ]
    );

    let source = checklist(concat!(
        "[[sections]]\n",                                             // 5
        "id = \"s\"\n",                                               // 6
        "title = \"S\"\n",                                            // 7
        "weight = 1\n",                                               // 8
        "[[sections.items]]\n",                                       // 9
        "id = \"a\"\n",                                               // 10
        "text = \"A\"\n",                                             // 11
        "points = 1\n",                                               // 12
        "options = [\n",                                              // 13
        "  { id = \"ya\", label = \"Ya\", score = 1 },\n",            // 14
        "  { id = \"ya\", label = \"Ya\", score = 0 },\n",            // 15
        "]\n",                                                        // 16
        "[[sections]]\n",                                             // 17
        "id = \"s\"\n",                                               // 18
        "title = \"S\"\n",                                            // 19
        "weight = 1\n",                                               // 20
        "[[sections.items]]\n",                                       // 21
        "id = \"a\"\n",                                               // 22
        "text = \"A\"\n",                                             // 23
        "points = 1\n",                                               // 24
        "options = [ { id = \"ya\", label = \"Ya\", score = 1 } ]\n", // 25
    ));
    assert_eq!(
        issues(&source),
        [
            "15:10: duplicate option id 'ya' (sections[0].items[0].options[1]): already used \
                 at line 14; option ids must be unique within item 'a' (sections[0].items[0])",
            "18:6: duplicate section id 's' (sections[1]): already used at line 6; section \
                 ids must be unique in the template",
            "22:6: duplicate item id 'a' (sections[1].items[0]): already used at line 10; \
                 item ids must be unique in the template",
        ]
    );
}

/// A checklist with one section and one item whose options are `options`.
fn checklist_with_options(options: &str) -> String {
    checklist(&format!(
        "[[sections]]\nid = \"s\"\ntitle = \"S\"\nweight = 1\n\
             [[sections.items]]\nid = \"a\"\ntext = \"A\"\npoints = 10\n{options}"
    ))
}

#[test]
fn items_need_a_scored_option() {
    // Line 13 holds `options`.
    assert_eq!(
        issues(&checklist_with_options("options = []\n")),
        [
            "13:11: `options` of item 'a' (sections[0].items[0]) is empty: an item needs at \
              least one option with a `score`"
        ]
    );
    assert_eq!(
        issues(&checklist_with_options(
            "options = [ { id = \"na\", label = \"NA\", na = true } ]\n"
        )),
        [
            "13:11: item 'a' (sections[0].items[0]) has no scored option: all its options are \
              `na = true`; at least one option needs a `score`"
        ]
    );
    assert_eq!(
        issues(&checklist_with_options("options = \"ya\"\n")),
        [
            "13:11: `options` of item 'a' (sections[0].items[0]) must be an array of tables \
              (options = [{ id = ..., label = ..., score = ... }, ...]), found string `\"ya\"`"
        ]
    );
    // A single scored option is enough.
    let template = parsed(&checklist_with_options(
        "options = [ { id = \"ya\", label = \"Ya\", score = 1 } ]\n",
    ));
    assert_eq!(
        checklist_of(&template).sections[0].items[0].options.len(),
        1
    );
}

#[test]
fn options_need_exactly_one_of_score_and_na() {
    let source = checklist_with_options(concat!(
        "options = [\n",                                              // 13
        "  { id = \"x\", label = \"X\", score = 0.5, na = true },\n", // 14
        "  { id = \"y\", label = \"Y\" },\n",                         // 15
        "  { id = \"z\", label = \"Z\", na = false },\n",             // 16
        "  { id = \"w\", label = \"W\", score = 1, na = false },\n",  // 17
        "]\n",
    ));
    assert_eq!(
        issues(&source),
        [
            "14:3: option 'x' (sections[0].items[0].options[0]) has both `score` and \
                 `na = true`: give only one of them",
            "15:3: option 'y' (sections[0].items[0].options[1]) has neither `score` nor \
                 `na = true`: give one of them",
            "16:3: option 'z' (sections[0].items[0].options[2]) has neither `score` nor \
                 `na = true`: give one of them",
        ]
    );
}

#[test]
fn scores_must_be_finite_fractions() {
    let source = checklist_with_options(concat!(
        "options = [\n",                                     // 13
        "  { id = \"a\", label = \"A\", score = 1.5 },\n",   // 14
        "  { id = \"b\", label = \"B\", score = -0.1 },\n",  // 15
        "  { id = \"c\", label = \"C\", score = nan },\n",   // 16
        "  { id = \"d\", label = \"D\", score = inf },\n",   // 17
        "  { id = \"e\", label = \"E\", score = \"1\" },\n", // 18
        "  { id = \"f\", label = \"F\", score = 2 },\n",     // 19
        "  { id = \"g\", label = \"G\", score = 0 },\n",     // 20
        "]\n",
    ));
    let score = |line: usize, option: usize, problem: &str| {
        let id = ["a", "b", "c", "d", "e", "f"][option];
        format!(
            "{line}:36: `score` of option '{id}' (sections[0].items[0].options[{option}]) \
                 must be {problem}"
        )
    };
    let fraction = "between 0 and 1 (a fraction of the item's points), found";
    assert_eq!(
        issues(&source),
        [
            score(14, 0, &format!("{fraction} 1.5")),
            score(15, 1, &format!("{fraction} -0.1")),
            score(16, 2, "a finite number, found nan"),
            score(17, 3, "a finite number, found inf"),
            score(18, 4, "a number, found string `\"1\"`"),
            score(19, 5, &format!("{fraction} 2")),
        ]
    );
}

#[test]
fn weights_and_points_must_be_positive() {
    let source = survey(concat!(
        "[[dimensions]]\n",                         // 8
        "id = \"a\"\n",                             // 9
        "title = \"A\"\n",                          // 10
        "weight = 0\n",                             // 11
        "items = [{ id = \"i\", text = \"I\" }]\n", // 12
        "[[dimensions]]\n",                         // 13
        "id = \"b\"\n",                             // 14
        "title = \"B\"\n",                          // 15
        "weight = -1.5\n",                          // 16
        "items = [{ id = \"j\", text = \"J\" }]\n", // 17
        "[[dimensions]]\n",                         // 18
        "id = \"c\"\n",                             // 19
        "title = \"C\"\n",                          // 20
        "weight = \"heavy\"\n",                     // 21
        "items = [{ id = \"k\", text = \"K\" }]\n", // 22
        "[[dimensions]]\n",                         // 23
        "id = \"d\"\n",                             // 24
        "title = \"D\"\n",                          // 25
        "weight = -inf\n",                          // 26
        "items = [{ id = \"l\", text = \"L\" }]\n", // 27
    ));
    assert_eq!(
        issues(&source),
        [
            "11:10: `weight` of dimension 'a' (dimensions[0]) must be greater than 0, found 0",
            "16:10: `weight` of dimension 'b' (dimensions[1]) must be greater than 0, \
                 found -1.5",
            "21:10: `weight` of dimension 'c' (dimensions[2]) must be a number, found \
                 string `\"heavy\"`",
            "26:10: `weight` of dimension 'd' (dimensions[3]) must be a finite number, \
                 found -inf",
        ]
    );
    let source = checklist(concat!(
        "[[sections]]\n",                                             // 5
        "id = \"s\"\n",                                               // 6
        "title = \"S\"\n",                                            // 7
        "weight = -40\n",                                             // 8
        "[[sections.items]]\n",                                       // 9
        "id = \"a\"\n",                                               // 10
        "text = \"A\"\n",                                             // 11
        "points = 0.0\n",                                             // 12
        "options = [ { id = \"ya\", label = \"Ya\", score = 1 } ]\n", // 13
    ));
    assert_eq!(
        issues(&source),
        [
            "8:10: `weight` of section 's' (sections[0]) must be greater than 0, found -40",
            "12:10: `points` of item 'a' (sections[0].items[0]) must be greater than 0, \
                 found 0.0",
        ]
    );
}

#[test]
fn instrument_fields_of_the_other_kind() {
    let source = survey(concat!(
        "[[dimensions]]\n",                         // 8
        "id = \"d\"\n",                             // 9
        "title = \"D\"\n",                          // 10
        "items = [{ id = \"i\", text = \"I\" }]\n", // 11
        "[[sections]]\n",                           // 12
        "id = \"s\"\n",                             // 13
    ));
    assert_eq!(
        issues(&source),
        [
            "12:3: a survey has no `sections` (sections belong to checklists, kind = \
              \"checklist\"); a survey's items go in [[dimensions]]"
        ]
    );
    let source = format!(
        "{CHECKLIST_HEAD}dimensions = []\n{SCALE}{}",
        "[[sections]]\nid = \"s\"\ntitle = \"S\"\nweight = 1\n\
             [[sections.items]]\nid = \"a\"\ntext = \"A\"\npoints = 10\n\
             options = [ { id = \"ya\", label = \"Ya\", score = 1 } ]\n"
    );
    assert_eq!(
        issues(&source),
        [
            "5:1: a checklist has no `dimensions` (a dimension belongs to surveys, kind = \
                 \"survey\"); a checklist's items go in [[sections]]",
            "6:2: a checklist has no `scale` (a scale belongs to surveys, kind = \"survey\"); \
                 a checklist's items go in [[sections]]",
        ]
    );
}

#[test]
fn ids_must_be_plain() {
    let source = format!(
        "id = \"bad id\"\nversion = 1\nkind = \"survey\"\ntitle = \"T\"\n{SCALE}{}",
        concat!(
            "[[dimensions]]\n",       // 8
            "id = \"\"\n",            // 9
            "title = \"D\"\n",        // 10
            "[[dimensions.items]]\n", // 11
            "id = \"q/1\"\n",         // 12
            "text = \"Q\"\n",         // 13
            "[[dimensions.items]]\n", // 14
            "id = \"é\"\n",           // 15
            "text = \"Q\"\n",         // 16
            "[[dimensions.items]]\n", // 17
            "id = 7\n",               // 18
            "text = \"Q\"\n",         // 19
        )
    );
    assert_eq!(
        issues(&source),
        [
            format!("1:6: template id 'bad id' contains ' ': {ID_RULE_TEXT}"),
            "9:6: `id` of dimensions[0] is empty".to_owned(),
            format!("12:6: item id 'q/1' (dimensions[0].items[0]) contains '/': {ID_RULE_TEXT}"),
            format!("15:6: item id 'é' (dimensions[0].items[1]) contains 'é': {ID_RULE_TEXT}"),
            "18:6: `id` of dimensions[0].items[2] must be a string, found integer `7`".to_owned(),
        ]
    );
    let source =
        checklist_with_options("options = [ { id = \"y a\", label = \"Ya\", score = 1 } ]\n")
            .replace("id = \"s\"", "id = \"s#1\"");
    assert_eq!(
        issues(&source),
        [
            format!("6:6: section id 's#1' (sections[0]) contains '#': {ID_RULE_TEXT}"),
            format!(
                "13:20: option id 'y a' (sections[0].items[0].options[0]) contains ' ': \
                     {ID_RULE_TEXT}"
            ),
        ]
    );
}

#[test]
fn unknown_fields_are_errors() {
    let source = format!(
        "{SURVEY_HEAD}descripton = \"x\"\n{SCALE}{}",
        concat!(
            "[[dimensions]]\n",                      // 9
            "id = \"d\"\n",                          // 10
            "title = { id = \"D\", eng = \"D\" }\n", // 11
            "wieght = 2\n",                          // 12
            "[[dimensions.items]]\n",                // 13
            "id = \"i\"\n",                          // 14
            "text = \"I\"\n",                        // 15
            "reversed = true\n",                     // 16
        )
    );
    // `descripton` is on line 5, before [scale].
    assert_eq!(
        issues(&source),
        [
            "5:1: unknown field `descripton` in the template; expected one of `id`, \
                 `version`, `kind`, `title`, `scale`, `dimensions` or `sections`",
            "11:21: unknown field `eng` in `title` of dimension 'd' (dimensions[0]); \
                 expected `id` or `en`",
            "12:1: unknown field `wieght` in dimension 'd' (dimensions[0]); expected one of \
                 `id`, `title`, `weight` or `items`",
            "16:1: unknown field `reversed` in item 'i' (dimensions[0].items[0]); expected \
                 one of `id`, `text`, `reverse` or `required`",
        ]
    );
    let source = checklist(concat!(
        "[[sections]]\n",                                                           // 5
        "id = \"s\"\n",                                                             // 6
        "title = \"S\"\n",                                                          // 7
        "weight = 1\n",                                                             // 8
        "[[sections.items]]\n",                                                     // 9
        "id = \"a\"\n",                                                             // 10
        "text = \"A\"\n",                                                           // 11
        "point = 10\n",                                                             // 12
        "options = [ { id = \"ya\", label = \"Ya\", score = 1, nota = \"x\" } ]\n", // 13
    ));
    assert_eq!(
        issues(&source),
        [
            "9:1: item 'a' (sections[0].items[0]) has no `points`",
            "12:1: unknown field `point` in item 'a' (sections[0].items[0]); expected one \
                 of `id`, `text`, `evidence`, `points` or `options`",
            "13:51: unknown field `nota` in option 'ya' (sections[0].items[0].options[0]); \
                 expected one of `id`, `label`, `score` or `na`",
        ]
    );
}

#[test]
fn localized_texts_must_not_be_empty() {
    let source = format!(
        "id = \"t\"\nversion = 1\nkind = \"checklist\"\ntitle = {{}}\n{}",
        concat!(
            "[[sections]]\n",                                           // 5
            "id = \"s\"\n",                                             // 6
            "title = \"  \"\n",                                         // 7
            "weight = 1\n",                                             // 8
            "[[sections.items]]\n",                                     // 9
            "id = \"a\"\n",                                             // 10
            "text = { id = \"\", en = 3 }\n",                           // 11
            "evidence = [\"x\"]\n",                                     // 12
            "points = 1\n",                                             // 13
            "options = [ { id = \"ya\", label = \"\", score = 1 } ]\n", // 14
        )
    );
    assert_eq!(
        issues(&source),
        [
            "4:9: `title` of the template is empty: give its `id` and/or `en` text",
            "7:9: `title` of section 's' (sections[0]) is empty",
            "11:15: `text.id` of item 'a' (sections[0].items[0]) is empty",
            "11:24: `text.en` of item 'a' (sections[0].items[0]) must be a string, found \
                 integer `3`",
            "12:12: `evidence` of item 'a' (sections[0].items[0]) must be a string or a \
                 table { id = \"...\", en = \"...\" }, found array",
            "14:34: `label` of option 'ya' (sections[0].items[0].options[0]) is empty",
        ]
    );
}

#[test]
fn boolean_flags_must_be_booleans() {
    let source = survey(concat!(
        "[[dimensions]]\n",       // 8
        "id = \"d\"\n",           // 9
        "title = \"D\"\n",        // 10
        "[[dimensions.items]]\n", // 11
        "id = \"i\"\n",           // 12
        "text = \"I\"\n",         // 13
        "reverse = \"yes\"\n",    // 14
        "required = 0\n",         // 15
    ));
    assert_eq!(
        issues(&source),
        [
            "14:11: `reverse` of item 'i' (dimensions[0].items[0]) must be true or false, \
                 found string `\"yes\"`",
            "15:12: `required` of item 'i' (dimensions[0].items[0]) must be true or false, \
                 found integer `0`",
        ]
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let source = survey(concat!(
        "[[dimensions]]\n",                              // 8
        "id = \"d\"\n",                                  // 9
        "title = { id = \"Dimensi ünï\", en = true }\n", // 10
        "items = [{ id = \"i\", text = \"I\" }]\n",      // 11
    ));
    assert_eq!(
        issues(&source),
        [
            "10:36: `title.en` of dimension 'd' (dimensions[0]) must be a string, found \
              boolean `true`"
        ]
    );
}

#[test]
fn reports_every_problem_in_file_order() {
    let source = r#"id = "climate survey"
version = 0
kind = "survey"
title = { id = "Iklim" }

[scale]
min = 6
max = 1
labels = { en = ["a", "b"] }

[[dimensions]]
id = "leadership"
title = "Kepemimpinan"
wieght = 2

[[dimensions]]
id = "align"
title = ""
weight = 0

[[dimensions.items]]
id = "q1"
text = "Saya paham."

[[dimensions.items]]
id = "q1"
text = "Saya paham juga."
required = "no"
"#;
    let found = parse_template(source).expect_err("many problems");
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            format!("1:6: template id 'climate survey' contains ' ': {ID_RULE_TEXT}"),
            "2:11: `version` must be a positive integer, found integer `0`".to_owned(),
            "7:7: scale min (6) must be less than max (1)".to_owned(),
            "11:1: dimension 'leadership' (dimensions[0]) has no `items`".to_owned(),
            "14:1: unknown field `wieght` in dimension 'leadership' (dimensions[0]); \
                 expected one of `id`, `title`, `weight` or `items`"
                .to_owned(),
            "18:9: `title` of dimension 'align' (dimensions[1]) is empty".to_owned(),
            "19:10: `weight` of dimension 'align' (dimensions[1]) must be greater than 0, \
                 found 0"
                .to_owned(),
            "26:6: duplicate item id 'q1' (dimensions[1].items[1]): already used at line \
                 22; item ids must be unique in the template"
                .to_owned(),
            "28:12: `required` of item 'q1' (dimensions[1].items[1]) must be true or \
                 false, found string `\"no\"`"
                .to_owned(),
        ]
    );
    assert_eq!(
        found[2],
        TemplateIssue {
            line: 7,
            column: 7,
            message: "scale min (6) must be less than max (1)".to_owned()
        }
    );
}

#[test]
fn line_and_column_of_offsets() {
    let source = "ab\nçd\r\nef";
    assert_eq!(line_column(source, 0), (1, 1));
    assert_eq!(line_column(source, 2), (1, 3));
    assert_eq!(line_column(source, 3), (2, 1));
    assert_eq!(line_column(source, 5), (2, 2)); // after the two-byte 'ç'
    assert_eq!(line_column(source, 8), (3, 1));
    assert_eq!(line_column(source, 99), (3, 3));
    assert_eq!(line_column(source, 4), (2, 2)); // inside 'ç': counted in bytes
    assert_eq!(line_column("\u{feff}id = 1", 8), (1, 6)); // a BOM takes no column
}

#[test]
fn load_template_file_reads_and_reports_with_the_path() {
    let dir = std::env::temp_dir().join(format!("kinerja-parse-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let good = dir.join("good.toml");
    std::fs::write(&good, SURVEY_EXAMPLE).expect("write");
    let (template, source) = load_template_file(&good).expect("valid file");
    assert_eq!(template.key, "team-climate");
    assert_eq!(source, SURVEY_EXAMPLE);

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, SURVEY_EXAMPLE.replace("min = 1", "min = 6")).expect("write");
    let err = load_template_file(&bad).expect_err("invalid file");
    assert!(matches!(&err, TemplateFileError::Invalid { issues, .. } if issues.len() == 1));
    assert_eq!(
        err.to_string(),
        format!(
            "{}:8:7: scale min (6) must be less than max (5)",
            bad.display()
        )
    );

    let missing = dir.join("missing.toml");
    let err = load_template_file(&missing).expect_err("missing file");
    assert!(matches!(err, TemplateFileError::Read { .. }));
    assert!(err
        .to_string()
        .starts_with(&format!("{}: cannot read: ", missing.display())));

    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn several_issues_display_one_per_line() {
    let err = TemplateFileError::Invalid {
        path: "survey_templates/bad.toml".to_owned(),
        issues: vec![
            TemplateIssue {
                line: 12,
                column: 7,
                message: "scale min (6) must be less than max (1)".to_owned(),
            },
            TemplateIssue {
                line: 20,
                column: 1,
                message: "dimension 'x' (dimensions[0]) has no `items`".to_owned(),
            },
        ],
    };
    assert_eq!(
        err.to_string(),
        "survey_templates/bad.toml:12:7: scale min (6) must be less than max (1)\n\
             survey_templates/bad.toml:20:1: dimension 'x' (dimensions[0]) has no `items`"
    );
}
