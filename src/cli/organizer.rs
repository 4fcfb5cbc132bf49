//! `kinerja organizer ...`, `kinerja token ...` and `kinerja audit`: organizer accounts, their
//! API tokens, and the log of what organizers did. The rules are `crate::access`'s; every
//! change made here is logged with the actor `cli`.

use std::io::{IsTerminal as _, Write as _};

use anyhow::anyhow;
use clap::Args;

use super::links::parse_public_url;
use super::Console;
use crate::access::{self, InitialPassword, NewOrganizer, Role};
use crate::audit::{self, Actor};
use crate::db::DbConn;
use crate::domain::{EmailAddress, EmailError, Lang};

/// The `--role` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// May view and change everything in its scope.
    Admin,
    /// May only view.
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Viewer => Role::Viewer,
        }
    }
}

/// The `--lang` values of the password email.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    /// Indonesian.
    Id,
    /// English.
    En,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The organizer's email address (their sign-in name; stored in lower case).
    email: String,
    /// The organizer's name, as emails and the console greet them.
    #[arg(long)]
    name: Option<String>,
    /// What the organizer may do: admin (view and change) or viewer (only view). Default
    /// viewer, the safe choice: an admin must be asked for with --role admin.
    #[arg(long, value_enum, default_value = "viewer")]
    role: RoleArg,
    /// Limit the organizer to this unit and the units below it (a unit code of the tree);
    /// default: every unit.
    #[arg(long, value_name = "CODE")]
    scope: Option<String>,
    /// Read the password from standard input (one trailing newline is dropped) instead of
    /// emailing a link to set it.
    #[arg(long)]
    password_stdin: bool,
    /// The address organizers reach `kinerja serve` at, e.g. https://survei.example.go.id: the
    /// emailed link to set a password starts with it. Required unless --password-stdin.
    #[arg(long, env = "KINERJA_PUBLIC_URL")]
    public_url: Option<String>,
    /// The language of the emailed link: id (Indonesian, default) or en.
    #[arg(long, value_enum, default_value = "id")]
    lang: LangArg,
}

#[derive(Debug, Args)]
pub struct EmailArgs {
    /// The organizer's email address.
    email: String,
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// The email address of the organizer the token acts for (with their role and scope).
    #[arg(long, value_name = "EMAIL")]
    organizer: String,
    /// A name for the token, unique across all organizers (letters, digits, '.', '-', '_'),
    /// e.g. the system that will use it; `token revoke NAME` names it.
    #[arg(long)]
    name: String,
}

#[derive(Debug, Args)]
pub struct TokenRevokeArgs {
    /// The token's name (see `kinerja token list`).
    name: String,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only from this day on (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    since: Option<chrono::NaiveDate>,
    /// table (aligned columns) or json (an array of objects).
    #[arg(long, value_enum, default_value = "table")]
    format: AuditFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
}

fn email(text: &str) -> anyhow::Result<EmailAddress> {
    EmailAddress::parse(text).map_err(|e| match e {
        EmailError::Empty => anyhow!("the email address is empty"),
        e => anyhow!("{e}"),
    })
}

/// The password on standard input. A terminal gets a hint, since what is typed is shown.
fn password_from_stdin(console: &mut Console) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        writeln!(
            console.err,
            "type the password, then Enter and Ctrl-D (it is shown as you type; \
             `kinerja ... < file` or a pipe avoids that)"
        )?;
    }
    Ok(access::read_password(stdin.lock())?)
}

pub fn add(conn: &mut DbConn, args: AddArgs, console: &mut Console) -> anyhow::Result<()> {
    let address = email(&args.email)?;
    let role = Role::from(args.role);
    let lang = match args.lang {
        LangArg::Id => Lang::Id,
        LangArg::En => Lang::En,
    };
    let scope = args.scope.as_deref().map(str::trim);
    let new = NewOrganizer {
        email: &address,
        name: args.name.as_deref(),
        role,
        scope,
    };
    let password_text;
    let public_url;
    let password = if args.password_stdin {
        password_text = password_from_stdin(console)?;
        InitialPassword::Given(&password_text)
    } else {
        let Some(url) = args
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            anyhow::bail!(
                "organizer add needs --public-url (or KINERJA_PUBLIC_URL) for the emailed link \
                 that sets the password, e.g. --public-url https://survei.example.go.id; or give \
                 the password with --password-stdin"
            );
        };
        public_url = parse_public_url(url)?;
        InitialPassword::Link {
            public_url: &public_url,
            lang,
        }
    };
    let by_link = matches!(password, InitialPassword::Link { .. });
    access::add_organizer(conn, Actor::Cli, &new, password)?;
    let scope = scope
        .map(|s| format!(", scope {s}"))
        .unwrap_or_else(|| ", every unit".to_owned());
    if by_link {
        writeln!(
            console.out,
            "organizer {address} added ({role}{scope}); an email with a link to set the \
             password (valid 24 hours) is queued: `kinerja mail send` or a running \
             `kinerja serve` delivers it"
        )?;
    } else {
        writeln!(
            console.out,
            "organizer {address} added ({role}{scope}), password set"
        )?;
    }
    Ok(())
}

pub fn list(conn: &mut DbConn, console: &mut Console) -> anyhow::Result<()> {
    let organizers = access::list_organizers(conn)?;
    let width = |f: &dyn Fn(&crate::db::organizers::Listed) -> usize, header: &str| {
        organizers
            .iter()
            .map(f)
            .max()
            .unwrap_or(0)
            .max(header.chars().count())
    };
    let email_w = width(&|o| o.organizer.email.chars().count(), "email");
    let name_w = width(
        &|o| o.organizer.name.as_deref().unwrap_or("-").chars().count(),
        "name",
    );
    let scope_w = width(
        &|o| {
            o.organizer
                .scope_unit_code
                .as_deref()
                .unwrap_or("-")
                .chars()
                .count()
        },
        "scope",
    );
    writeln!(
        console.out,
        "{:<email_w$}  {:<name_w$}  {:<6}  {:<scope_w$}  {:<8}  tokens",
        "email", "name", "role", "scope", "password"
    )?;
    for listed in &organizers {
        let o = &listed.organizer;
        writeln!(
            console.out,
            "{:<email_w$}  {:<name_w$}  {:<6}  {:<scope_w$}  {:<8}  {}",
            o.email,
            o.name.as_deref().unwrap_or("-"),
            o.role.as_str(),
            o.scope_unit_code.as_deref().unwrap_or("-"),
            if o.has_password { "yes" } else { "no" },
            listed.tokens
        )?;
    }
    Ok(())
}

pub fn remove(conn: &mut DbConn, args: EmailArgs, console: &mut Console) -> anyhow::Result<()> {
    let address = email(&args.email)?;
    access::remove_organizer(conn, Actor::Cli, &address)?;
    writeln!(
        console.out,
        "organizer {address} removed, with their API tokens and sessions"
    )?;
    Ok(())
}

pub fn password(conn: &mut DbConn, args: EmailArgs, console: &mut Console) -> anyhow::Result<()> {
    let address = email(&args.email)?;
    // Unknown addresses fail before anything is read, so a typo does not swallow the input.
    if crate::db::organizers::find_by_email(conn, address.as_str())?.is_none() {
        return Err(access::AccessError::UnknownOrganizer(address.to_string()).into());
    }
    let password = password_from_stdin(console)?;
    access::set_password(conn, Actor::Cli, &address, &password)?;
    writeln!(
        console.out,
        "password of {address} changed; their console sessions were ended"
    )?;
    Ok(())
}

/// Prints the token alone on standard output's last line: the one time it is shown.
pub fn create_token(
    conn: &mut DbConn,
    args: TokenCreateArgs,
    console: &mut Console,
) -> anyhow::Result<()> {
    let address = email(&args.organizer)?;
    let name = args.name.trim();
    let token = access::create_token(conn, Actor::Cli, &address, name)?;
    writeln!(
        console.err,
        "token '{name}' created for {address}; it is shown this once (only its SHA-256 is \
         stored): keep it where the system that uses it keeps secrets"
    )?;
    writeln!(console.out, "{token}")?;
    Ok(())
}

pub fn list_tokens(conn: &mut DbConn, console: &mut Console) -> anyhow::Result<()> {
    let tokens = access::list_tokens(conn)?;
    let name_w = tokens
        .iter()
        .map(|t| t.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let email_w = tokens
        .iter()
        .map(|t| t.organizer_email.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    writeln!(
        console.out,
        "{:<name_w$}  {:<email_w$}  created (UTC)",
        "name", "organizer"
    )?;
    for t in &tokens {
        writeln!(
            console.out,
            "{:<name_w$}  {:<email_w$}  {}",
            t.name,
            t.organizer_email,
            t.created_at.format("%Y-%m-%d %H:%M:%S")
        )?;
    }
    Ok(())
}

pub fn revoke_token(
    conn: &mut DbConn,
    args: TokenRevokeArgs,
    console: &mut Console,
) -> anyhow::Result<()> {
    let name = args.name.trim();
    access::revoke_token(conn, Actor::Cli, name)?;
    writeln!(console.out, "token '{name}' revoked")?;
    Ok(())
}

/// One line of `kinerja audit --format json`.
#[derive(serde::Serialize)]
struct AuditLine<'a> {
    id: i64,
    /// RFC 3339, UTC.
    at: String,
    actor: &'a str,
    action: &'a str,
    object: &'a str,
    detail: Option<&'a str>,
}

pub fn audit(conn: &mut DbConn, args: AuditArgs, console: &mut Console) -> anyhow::Result<()> {
    let entries = audit::list(conn, args.since)?;
    match args.format {
        AuditFormat::Json => {
            let lines: Vec<AuditLine> = entries
                .iter()
                .map(|e| AuditLine {
                    id: e.id.0,
                    at: e.at.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    actor: &e.actor,
                    action: &e.action,
                    object: &e.object,
                    detail: e.detail.as_deref(),
                })
                .collect();
            writeln!(console.out, "{}", serde_json::to_string_pretty(&lines)?)?;
        }
        AuditFormat::Table => {
            let w = |f: &dyn Fn(&audit::Entry) -> usize, header: &str| {
                entries.iter().map(f).max().unwrap_or(0).max(header.len())
            };
            let actor_w = w(&|e| e.actor.chars().count(), "actor");
            let action_w = w(&|e| e.action.chars().count(), "action");
            let object_w = w(&|e| e.object.chars().count(), "object");
            writeln!(
                console.out,
                "{:<19}  {:<actor_w$}  {:<action_w$}  {:<object_w$}  detail",
                "at (UTC)", "actor", "action", "object"
            )?;
            for e in &entries {
                let line = format!(
                    "{:<19}  {:<actor_w$}  {:<action_w$}  {:<object_w$}  {}",
                    e.at.format("%Y-%m-%d %H:%M:%S"),
                    e.actor,
                    e.action,
                    e.object,
                    e.detail.as_deref().unwrap_or("")
                );
                writeln!(console.out, "{}", line.trim_end())?;
            }
        }
    }
    Ok(())
}
