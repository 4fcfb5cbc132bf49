//! `kinerja invite` in bulk: files larger than one statement, links tied to the right people,
//! emails to the right addresses, and re-invitation rules checked for the whole file at once.

mod common;

use std::collections::HashMap;

use common::{TestDb, CLIMATE, PUBLIC_URL, UNITS};
use diesel::prelude::*;
use kinerja::db::schema::{drafts, invitation_tokens, invitations, outbox, units};

fn survey(db: &TestDb) -> String {
    db.campaign(UNITS, CLIMATE, &["--min-responses", "1"])
        .to_string()
}

/// (email, unit code, link) per printed line.
fn printed(out: &str) -> Vec<(String, String, String)> {
    out.lines()
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 3, "email<TAB>unit<TAB>link: {line}");
            (cells[0].into(), cells[1].into(), cells[2].into())
        })
        .collect()
}

/// (email, unit code, state) of every invitation, by id.
fn stored(db: &TestDb) -> HashMap<i64, (String, String, String)> {
    let mut conn = db.conn();
    let codes: HashMap<i64, String> = units::table
        .select((units::id, units::code))
        .load::<(i64, String)>(&mut conn)
        .expect("units")
        .into_iter()
        .collect();
    invitations::table
        .select((
            invitations::id,
            invitations::email,
            invitations::unit_id,
            invitations::state,
        ))
        .load::<(i64, String, i64, String)>(&mut conn)
        .expect("invitations")
        .into_iter()
        .map(|(id, email, unit, state)| (id, (email, codes[&unit].clone(), state)))
        .collect()
}

fn token_owner(conn: &mut kinerja::db::DbConn, link: &str) -> Option<i64> {
    let token = link.rsplit_once("/r/").map(|(_, t)| t).expect("a link");
    invitation_tokens::table
        .find(kinerja::token::hash(token))
        .select(invitation_tokens::invitation_id)
        .first(conn)
        .optional()
        .expect("token lookup")
}

#[test]
fn a_file_larger_than_one_statement_ties_every_link_and_email_to_its_line() {
    let db = TestDb::new();
    let campaign = survey(&db);
    // 4,500 lines: more than one INSERT's worth of invitations (4,000) and of outbox rows
    // (2,700) on SQLite. Every third person has a second line, for the other unit.
    let mut csv = String::from("email,unit,name,lang\n");
    let mut expected = Vec::new();
    let mut person = 0;
    while expected.len() < 4_500 {
        let units: &[&str] = if person % 3 == 0 { &["A", "B"] } else { &["B"] };
        for unit in units.iter().take(4_500 - expected.len()) {
            let lang = if person % 2 == 0 { "en" } else { "" };
            csv.push_str(&format!(
                "Person{person}@Example.org,{unit},Person {person},{lang}\n"
            ));
            expected.push((format!("person{person}@example.org"), unit.to_string()));
        }
        person += 1;
    }
    let file = db.write("people.csv", &csv);
    let out = db.ok(&[
        "invite",
        "--campaign",
        &campaign,
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]);
    let lines = printed(&out);
    let shown: Vec<(String, String)> = lines
        .iter()
        .map(|(e, u, _)| (e.clone(), u.clone()))
        .collect();
    assert_eq!(shown, expected, "one line per input line, in input order");

    let invitations = stored(&db);
    assert_eq!(invitations.len(), 4_500);
    assert_eq!(db.count("invitation_tokens"), 4_500);
    let mut conn = db.conn();
    let mut owner_of_line = Vec::new();
    for (email, unit, link) in &lines {
        let id = token_owner(&mut conn, link).expect("every printed link is stored, hashed");
        let (stored_email, stored_unit, state) = &invitations[&id];
        assert_eq!((stored_email, stored_unit), (email, unit), "{link}");
        assert_eq!(state, "active");
        owner_of_line.push(id);
    }

    let messages: Vec<(Option<i64>, String, Option<String>, String)> = outbox::table
        .select((
            outbox::invitation_id,
            outbox::recipient,
            outbox::body_text,
            outbox::status,
        ))
        .load(&mut conn)
        .expect("outbox");
    assert_eq!(messages.len(), 4_500, "one queued email per invitation");
    let mut message_of: HashMap<i64, (String, String)> = HashMap::new();
    for (invitation_id, recipient, body, status) in messages {
        assert_eq!(status, "queued");
        let id = invitation_id.expect("an invitation email names its invitation");
        let previous = message_of.insert(id, (recipient, body.unwrap_or_default()));
        assert!(previous.is_none(), "two emails for invitation {id}");
    }
    for ((email, _, link), id) in lines.iter().zip(&owner_of_line) {
        let (recipient, body) = &message_of[id];
        assert_eq!(recipient, email);
        assert!(
            body.contains(link.as_str()),
            "the email carries its own link"
        );
    }
    // Each email greets its own invitee.
    assert!(message_of[&owner_of_line[0]].1.contains("Person 0,"));
    assert!(message_of[&owner_of_line[2]].1.contains("Person 1,"));
}

#[test]
fn reissue_checks_the_whole_file_before_revoking_anything() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let first = db.write(
        "first.csv",
        "email,unit\na@example.org,A\nb@example.org,B\nc@example.org,A\n",
    );
    let old = printed(&db.ok(&[
        "invite",
        "--campaign",
        &campaign,
        "--no-email",
        "--public-url",
        PUBLIC_URL,
        &first.display().to_string(),
    ]));
    let mut conn = db.conn();
    let ids: Vec<i64> = old
        .iter()
        .map(|(_, _, link)| token_owner(&mut conn, link).expect("stored"))
        .collect();
    {
        // b answered; a saved a draft.
        diesel::update(invitations::table.find(ids[1]))
            .set(invitations::state.eq("used"))
            .execute(&mut conn)
            .expect("mark used");
        diesel::insert_into(drafts::table)
            .values((
                drafts::invitation_id.eq(ids[0]),
                drafts::sealed.eq(vec![0u8; 48]),
                drafts::saved_on.eq(chrono::NaiveDate::from_ymd_opt(2026, 1, 2).expect("date")),
            ))
            .execute(&mut conn)
            .expect("draft");
    }
    let before = stored(&db);

    // A used link is never replaced, and without --reissue an active one is not either:
    // every such line is reported, and nothing changes.
    let again = db.write(
        "again.csv",
        "email,unit\na@example.org,A\nb@example.org,B\nc@example.org,A\n",
    );
    let err = db.fails(&[
        "invite",
        "--campaign",
        &campaign,
        "--no-email",
        "--public-url",
        PUBLIC_URL,
        &again.display().to_string(),
    ]);
    for expected in [
        "again.csv: line 2, column 'email': a@example.org is already invited to unit A; use --reissue",
        "again.csv: line 3, column 'email': b@example.org has already answered for unit B; a new link would allow a second answer",
        "again.csv: line 4, column 'email': c@example.org is already invited to unit A; use --reissue",
        "again.csv: 3 problems found; nothing was stored",
    ] {
        assert!(err.contains(expected), "missing «{expected}» in:\n{err}");
    }
    let err = db.fails(&[
        "invite",
        "--campaign",
        &campaign,
        "--reissue",
        "--public-url",
        PUBLIC_URL,
        &again.display().to_string(),
    ]);
    assert!(
        err.contains("line 3, column 'email': b@example.org has already answered for unit B"),
        "{err}"
    );
    assert!(err.contains("1 problem found; nothing was stored"), "{err}");
    assert_eq!(stored(&db), before, "a refused file revokes nothing");
    assert_eq!(db.count("drafts"), 1);
    assert_eq!(db.count("outbox"), 0);

    // Without b: a and c get new links, their old ones (and a's draft) are gone. The same
    // address for another unit is a new invitation, not a re-invitation.
    let fixed = db.write(
        "fixed.csv",
        "email,unit\nc@example.org,A\na@example.org,A\na@example.org,B\n",
    );
    let new = printed(&db.ok(&[
        "invite",
        "--campaign",
        &campaign,
        "--reissue",
        "--no-email",
        "--public-url",
        PUBLIC_URL,
        &fixed.display().to_string(),
    ]));
    assert_eq!(new.len(), 3);
    let after = stored(&db);
    assert_eq!(after.len(), 6);
    assert_eq!(after[&ids[0]].2, "revoked");
    assert_eq!(after[&ids[1]].2, "used");
    assert_eq!(after[&ids[2]].2, "revoked");
    assert_eq!(db.count("drafts"), 0, "a revoked link's draft is deleted");
    for (email, unit, link) in &new {
        let id = token_owner(&mut conn, link).expect("stored");
        assert_eq!(
            after[&id],
            (email.clone(), unit.clone(), "active".to_owned())
        );
    }
    // Old links still resolve to their (revoked) invitations: only the state changed.
    assert_eq!(token_owner(&mut conn, &old[0].2), Some(ids[0]));

    // A person invited to a unit for the first time needs no --reissue.
    let more = db.write("more.csv", "email,unit\nb@example.org,A\n");
    db.ok(&[
        "invite",
        "--campaign",
        &campaign,
        "--no-email",
        "--public-url",
        PUBLIC_URL,
        &more.display().to_string(),
    ]);
    assert_eq!(stored(&db).len(), 7);
}

#[test]
fn revoking_skips_a_link_used_since_it_was_read() {
    // The re-invitation check reads first and revokes afterwards; on PostgreSQL a submission
    // may use a link in between. The revocation leaves such a link used and names it, so the
    // line is refused instead of replacing a used link.
    use kinerja::db::InvitationId;
    let db = TestDb::new();
    let campaign = survey(&db);
    let file = db.write(
        "people.csv",
        "email,unit\nx@example.org,A\ny@example.org,B\n",
    );
    let links = printed(&db.ok(&[
        "invite",
        "--campaign",
        &campaign,
        "--no-email",
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]));
    let mut conn = db.conn();
    let x = token_owner(&mut conn, &links[0].2).expect("x");
    let y = token_owner(&mut conn, &links[1].2).expect("y");
    diesel::update(invitations::table.find(y))
        .set(invitations::state.eq("used"))
        .execute(&mut conn)
        .expect("mark used");
    let not_revoked =
        kinerja::db::invitations::revoke_active(&mut conn, &[InvitationId(x), InvitationId(y)])
            .expect("revoke");
    assert_eq!(not_revoked, [InvitationId(y)]);
    let states = stored(&db);
    assert_eq!(states[&x].2, "revoked");
    assert_eq!(states[&y].2, "used");
}

/// Issue 11, row 8: the sender's own address check, at import time, with line and column: a
/// quoted local part (which lettre parses but many servers refuse) never reaches the outbox.
#[test]
fn addresses_the_sender_would_refuse_are_refused_at_import() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let file = db.write(
        "people.csv",
        // CSV quoting: the cell is "quoted local"@example.org.
        "email,unit\nani@example.go.id,A\n\"\"\"quoted local\"\"@example.org\",B\n",
    );
    let err = db.fails(&[
        "invite",
        "--campaign",
        &campaign,
        "--public-url",
        PUBLIC_URL,
        &file.display().to_string(),
    ]);
    assert!(
        err.contains("people.csv: line 3, column 'email': '\"quoted local\"@example.org' is not an email address (a quoted local part is not accepted)"),
        "{err}"
    );
    assert_eq!(db.count("invitations"), 0);
    let refused = db.kinerja(&[
        "summary",
        "send",
        "--campaign",
        &campaign,
        "--to",
        "\"quoted local\"@example.org",
    ]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("a quoted local part is not accepted"), "{err}");
    assert_eq!(db.count("outbox"), 0);
}

/// Issue 12: a file that has grown since the last run invites its new lines with
/// `--skip-existing` and lists the lines left out; without the flag it is refused whole, and
/// the error names the flag.
#[test]
fn skip_existing_invites_the_new_lines_and_lists_the_skipped_ones() {
    let db = TestDb::new();
    let campaign = survey(&db);
    let file = db.write(
        "people.csv",
        "email,unit\na@example.org,A\nb@example.org,B\n",
    );
    let path = file.display().to_string();
    let invite = |extra: &[&str]| {
        let mut args = vec![
            "invite",
            "--campaign",
            &campaign,
            "--public-url",
            PUBLIC_URL,
        ];
        args.extend_from_slice(extra);
        args.push(&path);
        db.kinerja(&args)
    };
    let first = invite(&[]);
    assert!(first.status.success());
    let first = printed(&String::from_utf8_lossy(&first.stdout));
    let mut conn = db.conn();
    let b = token_owner(&mut conn, &first[1].2).expect("b's link");
    diesel::update(invitations::table.find(b))
        .set(invitations::state.eq("used"))
        .execute(&mut conn)
        .expect("b answered");
    let before = stored(&db);
    assert_eq!((before.len(), db.count("outbox")), (2, 2));

    // The grown file, saved by a spreadsheet: semicolons, headers in another case, an address
    // in capitals.
    std::fs::write(
        &file,
        "Email;Unit\na@example.org;A\nB@Example.org;B\nc@example.org;A\na@example.org;B\n",
    )
    .expect("grow the file");
    let refused = invite(&["--no-email"]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        format!(
            "error: {path}: line 2, column 'email': a@example.org is already invited to unit A; \
             use --reissue to revoke that link and send a new one, or --skip-existing to invite \
             only the file's other lines\n\
             {path}: line 3, column 'email': b@example.org has already answered for unit B; a new \
             link would allow a second answer\n\
             {path}: 2 problems found; nothing was stored\n"
        )
    );
    assert_eq!(stored(&db), before, "a refused file stores nothing");

    let out = invite(&["--skip-existing"]);
    assert!(out.status.success());
    let links = printed(&String::from_utf8_lossy(&out.stdout));
    let shown: Vec<(&str, &str)> = links
        .iter()
        .map(|(e, u, _)| (e.as_str(), u.as_str()))
        .collect();
    assert_eq!(shown, [("c@example.org", "A"), ("a@example.org", "B")]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "{path}: line 2: skipped, a@example.org already has a link to unit A\n\
             {path}: line 3: skipped, b@example.org has already answered for unit B\n\
             {path}: 2 links issued for campaign {campaign}, 2 lines skipped (already \
             invited); invitation emails queued (`kinerja mail send` or a running `kinerja \
             serve` delivers them)\n"
        )
    );
    let after = stored(&db);
    assert_eq!(after.len(), 4);
    assert_eq!(db.count("outbox"), 4, "one email per new link");
    for (id, row) in &before {
        assert_eq!(&after[id], row, "earlier invitations are untouched");
    }
    for (email, unit, link) in &links {
        let id = token_owner(&mut conn, link).expect("stored");
        assert_eq!(
            after[&id],
            (email.clone(), unit.clone(), "active".to_owned())
        );
    }

    // Run again: every line is skipped, nothing is stored.
    let again = invite(&["--skip-existing", "--no-email"]);
    assert!(again.status.success());
    assert_eq!(String::from_utf8_lossy(&again.stdout), "");
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(err.lines().count(), 5, "{err}");
    assert_eq!(
        err.lines().last(),
        Some(
            format!(
                "{path}: 0 links issued for campaign {campaign}, 4 lines skipped (already invited)"
            )
            .as_str()
        )
    );
    assert_eq!(stored(&db), after);

    // Skipping and reissuing contradict each other.
    let both = invite(&["--skip-existing", "--reissue"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&both.stderr).contains("cannot be used with"),
        "{}",
        String::from_utf8_lossy(&both.stderr)
    );
    assert_eq!(stored(&db), after);
}
