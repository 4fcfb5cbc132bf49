//! The README's commands, run as written (issue 12): every command line of its code blocks,
//! in the README's order, in one shell started in a copy of the repository's `data/` and
//! `survey_templates/` folders, with the `kinerja` that `cargo test` built on the PATH. A
//! command that fails fails the test with its output, so the README cannot drift from the
//! program.
//!
//! Three things differ from a person at a terminal, each for a reason given where it is done:
//! `kinerja serve` listens on a free port and is stopped once it listens; a password typed at
//! the terminal comes from `$PASSWORD`; and `export KINERJA_SMTP_URL=...` is left out, so the
//! mail goes to the outbox folder instead of a server that does not exist. Lines that build,
//! install or benchmark kinerja, or need a server on the internet, are not run; each such
//! kind is listed in [`NOT_RUN`] with why, and must still be in the README.

use std::path::Path;
use std::process::Command;

/// Command lines not run, by how they start, and why.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "cargo ",
        "builds, installs or tests kinerja: this test runs the binary cargo built",
    ),
    (
        "alias ",
        "names a release build; this test puts the built binary on the PATH",
    ),
    (
        "bash benches/",
        "benchmarks: they build --release and take minutes",
    ),
    ("PROPTEST_CASES=", "a longer fuzzing run of cargo test"),
    (
        "curl ",
        "needs kinerja serve at the public address of the example",
    ),
    (
        "pip ",
        "installs schemathesis, which .ci/run runs against a server",
    ),
    ("schemathesis ", "needs a server; .ci/run runs it"),
    (
        "export KINERJA_SMTP_URL=",
        "would deliver to a mail server that does not exist",
    ),
];

/// The command lines of the README's code blocks (indented by four spaces after a blank line),
/// continuation lines joined, up to the Layout section (a listing of files, not commands).
fn command_lines(readme: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut previous_blank = true;
    let mut pending = String::new();
    for line in readme.lines() {
        if line.starts_with("## Layout") {
            break;
        }
        let blank = line.trim().is_empty();
        in_block = if blank {
            in_block
        } else {
            line.starts_with("    ") && (in_block || previous_blank)
        };
        previous_blank = blank;
        if !in_block || blank {
            continue;
        }
        let text = line.trim();
        match text.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head.trim_end());
                pending.push(' ');
            }
            None => {
                pending.push_str(text);
                commands.push(std::mem::take(&mut pending));
            }
        }
    }
    commands
}

/// The line without a trailing comment (`  # ...`), for the lines the test changes.
fn without_comment(line: &str) -> &str {
    line.find("  #").map_or(line, |at| line[..at].trim_end())
}

/// The shell text that runs one README line and stops the script if it fails.
fn shell_step(line: &str) -> String {
    let quoted = line.replace('\'', r"'\''");
    let run = if line.starts_with("kinerja serve") {
        // A server runs until stopped: it is started on a free port (the README's port may be
        // taken on the machine running the tests), stopped once it listens.
        let mut words: Vec<&str> = without_comment(line).split_whitespace().collect();
        match words.iter().position(|w| *w == "--bind") {
            Some(at) => words[at + 1] = "127.0.0.1:0",
            None => words.extend(["--bind", "127.0.0.1:0"]),
        }
        format!(
            "{} > serve.out 2> serve.err & server=$!\n\
             for _ in $(seq 1 100); do grep -q '^listening on' serve.out && break; sleep 0.1; done\n\
             grep -q '^listening on' serve.out; status=$?\n\
             kill $server; wait $server\n\
             cat serve.out serve.err",
            words.join(" ")
        )
    } else if line.starts_with("kinerja ")
        && (line.contains("--password-stdin") || line.contains("organizer password"))
    {
        // "Type it, Enter, Ctrl-D": the password the person would type.
        format!("{} <<< \"$PASSWORD\"; status=$?", without_comment(line))
    } else {
        format!("{line}\nstatus=$?")
    };
    format!(
        "echo '+ {quoted}'\n{run}\n\
         if [ $status -ne 0 ]; then echo 'README command failed ('$status'): {quoted}' >&2; exit 1; fi\n"
    )
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("folder entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy file");
    }
}

#[test]
fn every_command_of_the_readme_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let lines = command_lines(&readme);
    let mut script = String::from("set -o pipefail\n");
    let mut ran = 0;
    let mut not_run = vec![false; NOT_RUN.len()];
    for line in &lines {
        if line.starts_with('#') {
            continue;
        }
        if let Some(at) = NOT_RUN
            .iter()
            .position(|(start, _)| line.starts_with(start))
        {
            not_run[at] = true;
            continue;
        }
        assert!(
            line.starts_with("kinerja ")
                || line.starts_with("export ")
                || line.contains("| kinerja ")
                || line.contains("$(kinerja "),
            "README line neither runs kinerja nor is listed in NOT_RUN: {line}"
        );
        script.push_str(&shell_step(line));
        ran += 1;
    }
    for ((start, why), seen) in NOT_RUN.iter().zip(&not_run) {
        assert!(
            seen,
            "NOT_RUN lists «{start}» ({why}), which the README no longer has"
        );
    }
    assert!(ran >= 30, "only {ran} README commands found:\n{lines:#?}");

    let dir = tempfile::tempdir().expect("temporary folder");
    for folder in ["data", "survey_templates"] {
        copy_folder(&root.join(folder), &dir.path().join(folder));
    }
    let binary = Path::new(env!("CARGO_BIN_EXE_kinerja"));
    let path = format!(
        "{}:{}",
        binary.parent().expect("the binary's folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .env("PASSWORD", "walk-through password")
        .env_remove("DATABASE_URL")
        .env_remove("KINERJA_SMTP_URL")
        .env_remove("KINERJA_MAIL_DIR")
        .env_remove("KINERJA_PUBLIC_URL")
        .env_remove("KINERJA_SECRET_KEY")
        .env_remove("KINERJA_SECRET_KEY_FILE")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\n--- what ran:\n{stdout}");
    // What the walk-through made, where the README says.
    assert!(dir.path().join("walkthrough.db").is_file());
    for file in ["results.csv", "results.xlsx"] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    assert!(
        stdout.contains("Campaign 1 — Survei SFO 2026, template sfo v1, closed; 12 responses"),
        "{stdout}"
    );
    assert!(
        stderr.contains("data/people-example.csv: 3 links issued for campaign 3"),
        "{stderr}"
    );
    assert!(
        stderr.contains("data/people-example.csv: 0 links issued for campaign 3, 3 lines skipped"),
        "{stderr}"
    );
}

#[test]
fn command_lines_are_read_from_code_blocks_only() {
    let readme = "Prose with `kinerja x`:\n\n    kinerja a --b \\\n        --c d\n    # comment\n\n\
                  - a list item\n    continued, not code\n\n    export X=1\n\n## Layout\n\n    src/main.rs  thin\n";
    assert_eq!(
        command_lines(readme),
        ["kinerja a --b --c d", "# comment", "export X=1"]
    );
}
