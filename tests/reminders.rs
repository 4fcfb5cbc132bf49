//! Reminders on a schedule (`campaign create --reminders 3,7`), queued by the pass that
//! `kinerja serve`'s mail sender runs, with the clock moved by passing `now`; and `kinerja
//! remind --min-days N`, which counts the quiet days from the invitation too.

mod common;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use common::server::{answer_climate, client, Server};
use common::smtp::SmtpSink;
use common::{backdate_invitations, invite, TestDb, CLIMATE, PUBLIC_URL, UNITS};
use kinerja::db::schema::{invitation_tokens, invitations, outbox};
use kinerja::mail::campaign::{
    due_scheduled_reminders, queue_scheduled_reminders, send_scheduled_reminders,
};

/// A survey of units A, B and C open until the end of 2099, reminding on `days`.
fn survey_reminding(db: &TestDb, days: &str) -> i64 {
    db.campaign(
        UNITS,
        CLIMATE,
        &[
            "--min-responses",
            "1",
            "--closes",
            "2099-12-31",
            "--reminders",
            days,
            "--contact",
            "sekretariat@example.go.id",
        ],
    )
}

/// When the campaign's invitations were made (one `invite` run stamps them all alike).
fn invited_at(db: &TestDb) -> NaiveDateTime {
    invitations::table
        .select(diesel::dsl::max(invitations::created_at))
        .first::<Option<NaiveDateTime>>(&mut db.conn())
        .expect("invitations")
        .expect("an invitation")
}

/// The queued reminders' recipients, sorted.
fn reminded(db: &TestDb) -> Vec<String> {
    let mut to: Vec<String> = outbox::table
        .filter(outbox::kind.eq("reminder"))
        .select(outbox::recipient)
        .load(&mut db.conn())
        .expect("outbox");
    to.sort();
    to
}

/// Each invitation's address and scheduled reminders had, by address.
fn schedule_state(db: &TestDb) -> Vec<(String, i32)> {
    invitations::table
        .order(invitations::email)
        .select((invitations::email, invitations::reminders_done))
        .load(&mut db.conn())
        .expect("invitations")
}

/// One pass of the background sender's reminder step, at `now`.
fn pass(db: &TestDb, now: NaiveDateTime) -> usize {
    send_scheduled_reminders(&mut db.conn(), PUBLIC_URL, now).expect("scheduled reminders")
}

#[tokio::test]
async fn scheduled_reminders_go_out_on_their_days_once_each() {
    let db = TestDb::new();
    let campaign = survey_reminding(&db, "3,7");
    let tokens = invite(
        &db,
        campaign,
        "a@example.org,A\nb@example.org,A\nc@example.org,B\n",
    );
    let server = Server::start(&db, &["--mail-interval", "0"]);
    answer_climate(&server, &tokens[0]).await;
    let t0 = invited_at(&db);
    let day = |days: i64| t0 + Duration::days(days);

    // Not before the third day; then the two who have not answered, once.
    assert_eq!(pass(&db, day(3) - Duration::seconds(1)), 0);
    assert_eq!(pass(&db, day(3)), 2);
    assert_eq!(pass(&db, day(3)), 0, "a second pass queues nothing");
    assert_eq!(pass(&db, day(6)), 0);
    assert_eq!(
        reminded(&db),
        ["b@example.org", "c@example.org"],
        "a@ has answered"
    );
    assert_eq!(
        schedule_state(&db),
        [
            ("a@example.org".to_owned(), 0),
            ("b@example.org".to_owned(), 1),
            ("c@example.org".to_owned(), 1)
        ]
    );
    // Past the closing day (the last day of 2099) nothing goes, although the 7th day is due.
    let after_closing = chrono::NaiveDate::from_ymd_opt(2100, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a day");
    assert_eq!(pass(&db, after_closing), 0);
    // The seventh day, once; the schedule then ends.
    assert_eq!(pass(&db, day(7)), 2);
    assert_eq!(pass(&db, day(7) + Duration::hours(1)), 0);
    assert_eq!(pass(&db, day(60)), 0);
    assert_eq!(
        reminded(&db),
        [
            "b@example.org",
            "b@example.org",
            "c@example.org",
            "c@example.org"
        ]
    );
    // Each reminder carries a new link (3 invitations + 4 reminders), and each one opens the
    // form.
    assert_eq!(db.count("invitation_tokens"), 7);
    let sink = SmtpSink::start();
    db.ok_with(&["mail", "send"], &[("KINERJA_SMTP_URL", &sink.url())]);
    let messages: Vec<_> = sink
        .messages()
        .into_iter()
        .filter(|m| m.header("Subject").as_deref() == Some("Pengingat: Test"))
        .collect();
    assert_eq!(messages.len(), 4, "beside the three invitations");
    for message in &messages {
        let token = message.token().expect("a link");
        assert!(!tokens.contains(&token), "a new link");
        let status = client()
            .get(server.link(&token))
            .send()
            .await
            .expect("GET")
            .status();
        assert_eq!(status, reqwest::StatusCode::OK);
    }

    // Someone invited later and first reminded long after both days (a server that was down)
    // gets one reminder, not two at once; a closed campaign sends none.
    invite(&db, campaign, "d@example.org,C\n");
    let d_invited = invited_at(&db);
    assert_eq!(pass(&db, d_invited + Duration::days(10)), 1);
    assert_eq!(pass(&db, d_invited + Duration::days(12)), 0);
    assert_eq!(
        schedule_state(&db).last(),
        Some(&("d@example.org".to_owned(), 2))
    );
    invite(&db, campaign, "e@example.org,C\n");
    db.ok(&["campaign", "close", &campaign.to_string()]);
    assert_eq!(pass(&db, invited_at(&db) + Duration::days(3)), 0);
    assert_eq!(reminded(&db).len(), 5);
}

#[test]
fn a_campaign_without_a_schedule_is_never_reminded_by_the_server() {
    let db = TestDb::new();
    let campaign = db.campaign(UNITS, CLIMATE, &["--min-responses", "1"]);
    invite(&db, campaign, "a@example.org,A\n");
    assert_eq!(pass(&db, invited_at(&db) + Duration::days(30)), 0);
    assert_eq!(db.count("outbox"), 1, "the invitation only");
}

/// Two passes that read the same due reminders (two servers on one database) queue each once:
/// the second one's conditional update finds the invitation already moved on.
#[test]
fn two_passes_reading_the_same_reminders_queue_each_once() {
    let db = TestDb::new();
    let campaign = survey_reminding(&db, "3");
    invite(&db, campaign, "a@example.org,A\nb@example.org,B\n");
    let now = invited_at(&db) + Duration::days(3);
    let (mut first, mut second) = (db.conn(), db.conn());
    let read_first = due_scheduled_reminders(&mut first, PUBLIC_URL, now, 100).expect("read");
    let read_second = due_scheduled_reminders(&mut second, PUBLIC_URL, now, 100).expect("read");
    assert_eq!((read_first.len(), read_second.len()), (2, 2));
    assert_eq!(
        queue_scheduled_reminders(&mut second, read_second, now).expect("queue"),
        2
    );
    assert_eq!(
        queue_scheduled_reminders(&mut first, read_first, now).expect("queue"),
        0
    );
    assert_eq!(reminded(&db), ["a@example.org", "b@example.org"]);
    // The losing pass stored none of its links either.
    assert_eq!(db.count("invitation_tokens"), 4);
}

/// Two passes running at the same time over many invitations, each on its own connection.
#[test]
fn two_concurrent_passes_queue_each_reminder_once() {
    let db = TestDb::new();
    let campaign = survey_reminding(&db, "3,7");
    let lines: String = (0..450)
        .map(|i| format!("p{i}@example.org,{}\n", ["A", "B", "C"][i % 3]))
        .collect();
    assert_eq!(invite(&db, campaign, &lines).len(), 450);
    let now = invited_at(&db) + Duration::days(3);
    let barrier = std::sync::Barrier::new(2);
    let counts: Vec<usize> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut conn = db.conn();
                    barrier.wait();
                    send_scheduled_reminders(&mut conn, PUBLIC_URL, now).expect("pass")
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("pass thread"))
            .collect()
    });
    assert_eq!(counts.iter().sum::<usize>(), 450, "{counts:?}");
    assert_eq!(reminded(&db).len(), 450);
    let reminded_invitations: std::collections::HashSet<Option<i64>> = outbox::table
        .filter(outbox::kind.eq("reminder"))
        .select(outbox::invitation_id)
        .load(&mut db.conn())
        .expect("outbox")
        .into_iter()
        .collect();
    assert_eq!(
        reminded_invitations.len(),
        450,
        "one reminder per invitation"
    );
    assert_eq!(
        invitation_tokens::table
            .count()
            .get_result::<i64>(&mut db.conn())
            .expect("count"),
        900
    );
}

/// `kinerja serve` queues the due reminders in its mail sender's pass and delivers them, in
/// the campaign's name, with replies going to its contact.
#[test]
fn the_server_sends_scheduled_reminders_in_the_background() {
    let db = TestDb::new();
    let campaign = survey_reminding(&db, "3");
    invite(&db, campaign, "a@example.org,A\nb@example.org,B\n");
    backdate_invitations(&db, 4);
    let sink = SmtpSink::start();
    let _server = Server::start_with_env(
        &db,
        &["--mail-interval", "1", "--public-url", PUBLIC_URL],
        &[
            ("KINERJA_SMTP_URL", &sink.url()),
            ("KINERJA_MAIL_FROM", "Kinerja DJPb <kinerja@example.go.id>"),
        ],
    );
    let count = || {
        sink.messages()
            .iter()
            .filter(|m| m.header("Subject").as_deref() == Some("Pengingat: Test"))
            .count()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while count() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(count(), 2);
    // Several more passes send nothing new.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(count(), 2);
    assert_eq!(
        schedule_state(&db),
        [
            ("a@example.org".to_owned(), 1),
            ("b@example.org".to_owned(), 1)
        ]
    );
    let reminder = sink
        .messages()
        .into_iter()
        .find(|m| m.header("Subject").as_deref() == Some("Pengingat: Test"))
        .expect("a reminder");
    assert_eq!(
        reminder.sender(),
        (
            Some("\"Test via Kinerja DJPb\" <kinerja@example.go.id>".to_owned()),
            Some("sekretariat@example.go.id".to_owned())
        )
    );
    assert!(reminder.joined().contains(&format!("{PUBLIC_URL}/r/")));
}

#[test]
fn serve_without_a_public_address_sends_no_scheduled_reminders() {
    let db = TestDb::new();
    let campaign = survey_reminding(&db, "3");
    invite(&db, campaign, "a@example.org,A\n");
    backdate_invitations(&db, 4);
    let log = db.dir.path().join("serve.log");
    let server = Server::start_logging(&db, &["--mail-interval", "1"], &log);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    drop(server);
    assert!(reminded(&db).is_empty());
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(
        logged.contains("scheduled reminders (campaign create --reminders) are off"),
        "{logged}"
    );
}

#[test]
fn remind_waits_min_days_from_the_invitation_too() {
    let db = TestDb::new();
    let campaign = db.campaign(UNITS, CLIMATE, &["--min-responses", "1"]);
    invite(
        &db,
        campaign,
        "a@example.org,A\nb@example.org,B\nc@example.org,C\n",
    );
    let id = campaign.to_string();
    let remind = [
        "remind",
        "--campaign",
        &id,
        "--min-days",
        "3",
        "--public-url",
        PUBLIC_URL,
    ];
    // Right after the invitation: nobody, and why.
    let out = db.kinerja(&remind);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("0 reminders queued for campaign {id}\n")
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "3 invitees who have not answered were invited or last reminded less than 3 days ago: \
         not reminded now (--min-days 3)\n"
    );
    assert!(reminded(&db).is_empty());
    // Invited four days ago: everyone, once; then the earlier reminder holds them back.
    backdate_invitations(&db, 4);
    assert_eq!(
        db.ok(&remind),
        format!("3 reminders queued for campaign {id}\n")
    );
    let again = db.kinerja(&remind);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        format!("0 reminders queued for campaign {id}\n")
    );
    assert!(String::from_utf8_lossy(&again.stderr).starts_with("3 invitees who have not answered"));
    assert_eq!(
        reminded(&db),
        ["a@example.org", "b@example.org", "c@example.org"]
    );
}
