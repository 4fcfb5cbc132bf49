//! `template validate` and `template import` through the real binary.

mod common;

use common::{TestDb, CLIMATE, REVIEW, SFO};

const BAD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad/");

#[test]
fn shipped_templates_validate() {
    let db = TestDb::new();
    let out = db.ok(&["template", "validate", SFO, REVIEW]);
    assert!(
        out.contains("sfo.toml: ok (survey 'sfo' v1: 5 dimensions, 25 items, scale 1..6)"),
        "{out}"
    );
    assert!(
        out.contains("reviu-pengelolaan-kinerja.toml: ok (checklist 'reviu-pengelolaan-kinerja' v1: 4 sections, 15 items)"),
        "{out}"
    );
}

#[test]
fn every_error_names_file_line_and_column() {
    let db = TestDb::new();
    let survey = format!("{BAD}survey-errors.toml");
    let checklist = format!("{BAD}checklist-errors.toml");
    let syntax = format!("{BAD}syntax.toml");
    let err = db.fails(&["template", "validate", &survey, &checklist, &syntax]);
    for expected in [
        format!("{survey}:7:7: scale min (6) must be less than max (1)"),
        format!("{survey}:14:1: unknown field `wieght` in dimension 'd1' (dimensions[0])"),
        format!("{survey}:21:6: duplicate item id 'q1' (dimensions[0].items[1]): already used at line 17"),
        format!("{survey}:24:1: dimension 'd2' (dimensions[1]) has no `items`"),
        format!("{survey}:27:10: `weight` of dimension 'd2' (dimensions[1]) must be greater than 0, found 0"),
        format!("{checklist}:16:38: `score` of option 'ya' (sections[0].items[0].options[0]) must be between 0 and 1"),
        format!("{checklist}:17:3: option 'na' (sections[0].items[0].options[1]) has both `score` and `na = true`"),
        format!("{checklist}:24:11: `options` of item 'i2' (sections[0].items[1]) is empty"),
        format!("{syntax}:4:11: invalid TOML"),
        "3 of 3 template files have errors".to_owned(),
    ] {
        assert!(err.contains(&expected), "missing «{expected}» in:\n{err}");
    }
}

#[test]
fn import_stores_valid_files_only_and_versions_in_use_are_immutable() {
    let db = TestDb::new();
    let bad = format!("{BAD}survey-errors.toml");
    let err = db.fails(&["template", "import", SFO, &bad]);
    assert!(
        err.contains("1 of 2 template files was not imported"),
        "{err}"
    );
    assert_eq!(db.count("templates"), 1, "only the valid file is stored");

    let out = db.ok(&["template", "import", SFO]);
    assert!(out.contains("sfo.toml: unchanged"), "{out}");

    // A version no campaign uses may still be corrected in place.
    let source = std::fs::read_to_string(CLIMATE).expect("fixture");
    let edited = source.replace("Team Climate Survey", "Team Climate Survey (edited)");
    let edited_path = db.write("climate.toml", &edited);
    db.ok(&["template", "import", CLIMATE]);
    let out = db.ok(&["template", "import", &edited_path.display().to_string()]);
    assert!(out.contains("replaced (no campaign used it yet)"), "{out}");

    db.write("units.csv", "code,name,parent_code\nA,A,\n");
    db.ok(&["units", "import", &db.path("units.csv")]);
    db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "p",
        "--title",
        "t",
    ]);
    let err = db.fails(&["template", "import", CLIMATE]);
    assert!(
        err.contains("template 'team-climate' version 1 is used by campaign 1 and cannot change; give the changed file a new version"),
        "{err}"
    );
    let list = db.ok(&["template", "list"]);
    assert!(
        list.contains("Team Climate Survey (edited)"),
        "the stored text is unchanged: {list}"
    );

    let v2 = db.write(
        "climate2.toml",
        &source.replace("version = 1", "version = 2"),
    );
    db.ok(&["template", "import", &v2.display().to_string()]);
    assert_eq!(db.count("templates"), 3);
    // Without --template-version a campaign takes the latest version.
    let out = db.ok(&[
        "campaign",
        "create",
        "--template",
        "team-climate",
        "--period",
        "p2",
        "--title",
        "t2",
    ]);
    assert!(out.contains("created campaign 2"), "{out}");
    let list = db.ok(&["campaign", "list"]);
    assert!(
        list.lines()
            .any(|l| l.contains("team-climate v2") && l.contains("p2")),
        "{list}"
    );
}
