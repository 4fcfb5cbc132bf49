//! The command line: one clap `Args` struct and one function per command, next to each other in
//! the module that owns the command, and one `match` in `run` that connects them. A new command
//! is a variant of `Command` (or of a group's enum), its `Args` struct, its function and an arm.
//!
//! Commands print through a `Console` (never `println!`), so a closed pipe ends them quietly.

mod backup;
mod campaign;
mod data;
mod links;
mod mail;
mod organizer;
mod output;
mod results;
mod serve;

use std::io::Write as _;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::db::{self, DatabaseUrl, DbConn};
pub use output::Console;

#[derive(Debug, Parser)]
#[command(
    name = "kinerja",
    version,
    about = "Survey and review assessment engine for Balanced Scorecard organisations"
)]
pub struct Cli {
    /// Database: postgres://... or postgresql://... for PostgreSQL, sqlite://PATH or a file path
    /// for SQLite.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "kinerja.db"
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update the database schema (every command also does this on start).
    Migrate,
    /// Check and import survey and checklist templates (TOML).
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Load and list the organisation's unit tree.
    #[command(subcommand)]
    Units(UnitsCommand),
    /// Create, list, open and close campaigns.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Load responses (paper, offline or exported answers) from CSV.
    #[command(subcommand)]
    Responses(ResponsesCommand),
    /// A campaign's statistics over the unit tree: roll-ups, ranks among peers with rank
    /// ranges, and the change since the previous period; `results trend` for a series.
    Results(results::ResultsArgs),
    /// Make personal links from a CSV with header email,unit (optional name,lang); prints
    /// email<TAB>unit<TAB>link per line.
    Invite(links::InviteArgs),
    /// Email a new link to every invitee who has not submitted and was not reminded lately.
    Remind(links::RemindArgs),
    /// Deliver queued email and show the outbox.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Email result summaries.
    #[command(subcommand)]
    Summary(SummaryCommand),
    /// Load a realistic demo data set (DJPb's unit tree, SFO surveys, a review) and show it.
    Demo,
    /// Run the respondent web service.
    Serve(serve::ServeArgs),
    /// Add, list and remove organizers (console and API accounts) and set their passwords.
    #[command(subcommand)]
    Organizer(OrganizerCommand),
    /// Create, list and revoke organizers' API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the log of organizers' actions, oldest first.
    Audit(organizer::AuditArgs),
    /// Copy the database into a new FILE while the server runs (SQLite: VACUUM INTO;
    /// PostgreSQL: pg_dump --format custom, or the command to run), and say where the key is.
    Backup(backup::BackupArgs),
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Check template files without storing anything.
    Validate(data::TemplateValidateArgs),
    /// Check and store template files; a file with errors is not imported.
    Import(data::TemplateImportArgs),
    /// List stored templates.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Build or update the tree from a CSV with header code,name,parent_code.
    Import(data::UnitsImportArgs),
    /// Print the tree.
    List,
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign; prints its id alone on the last line.
    Create(campaign::CreateArgs),
    /// Every campaign: id, template, period, status, units, responses, title.
    List,
    /// Per unit: invited, submitted and response rate.
    Progress(campaign::ProgressArgs),
    /// Accept responses (again).
    Open(campaign::CampaignIdArgs),
    /// Stop accepting responses.
    Close(campaign::CampaignIdArgs),
}

#[derive(Debug, Subcommand)]
pub enum ResponsesCommand {
    /// Import a CSV with header unit,<item id>...; all lines or none.
    Import(data::ResponsesImportArgs),
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// One delivery pass over due messages (SMTP from KINERJA_SMTP_URL, else a folder).
    Send(mail::SendArgs),
    /// Queued, sent and failed counts, and the errors of failed messages.
    Status(mail::StatusArgs),
}

#[derive(Debug, Subcommand)]
pub enum SummaryCommand {
    /// Queue the ranking for organizers and, with --unit-heads, each unit's page for its head.
    Send(mail::SummaryArgs),
}

#[derive(Debug, Subcommand)]
pub enum OrganizerCommand {
    /// Add an organizer; without --password-stdin, email them a one-time link (24 hours) to
    /// set a password.
    Add(organizer::AddArgs),
    /// Every organizer: email, name, role, scope, whether a password is set, API tokens.
    List,
    /// Remove an organizer with their API tokens and sessions.
    Remove(organizer::EmailArgs),
    /// Set an organizer's password, read from standard input; ends their sessions.
    Password(organizer::EmailArgs),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an API token acting for an organizer; prints it once, alone on the last line.
    Create(organizer::TokenCreateArgs),
    /// Every token's name, organizer and creation time (never the token).
    List,
    /// Revoke a token by name; it stops working at once.
    Revoke(organizer::TokenRevokeArgs),
}

/// Runs one command, printing to the process's standard output and error.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    run_on(cli, &mut Console::std())
}

/// Runs one command on `console`. A command whose reader went away (EPIPE) stops at its next
/// write and counts as a success: the reader chose to see no more.
pub fn run_on(cli: Cli, console: &mut Console) -> anyhow::Result<()> {
    let database = Database {
        url: cli.database_url,
    };
    let outcome = dispatch(cli.command, &database, console).and_then(|()| {
        console.out.flush()?;
        Ok(console.err.flush()?)
    });
    match outcome {
        Err(error) if console.closed() && is_broken_pipe(&error) => Ok(()),
        outcome => outcome,
    }
}

/// Whether the error is the write into a closed stream (not, say, a failure that happened to
/// come after one).
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

fn dispatch(command: Command, database: &Database, console: &mut Console) -> anyhow::Result<()> {
    match command {
        Command::Migrate => {
            database.connect()?;
            writeln!(console.out, "database {} is up to date", database.url()?)?;
            Ok(())
        }
        // Validation needs no database.
        Command::Template(TemplateCommand::Validate(args)) => {
            data::validate_templates(args, console)
        }
        Command::Template(TemplateCommand::Import(args)) => {
            data::import_templates(&mut database.connect()?, args, console)
        }
        Command::Template(TemplateCommand::List) => {
            data::list_templates(&mut database.connect()?, console)
        }
        Command::Units(UnitsCommand::Import(args)) => {
            data::import_units(&mut database.connect()?, args, console)
        }
        Command::Units(UnitsCommand::List) => data::list_units(&mut database.connect()?, console),
        Command::Campaign(CampaignCommand::Create(args)) => {
            campaign::create(&mut database.connect()?, args, console)
        }
        Command::Campaign(CampaignCommand::List) => {
            campaign::list(&mut database.connect()?, console)
        }
        Command::Campaign(CampaignCommand::Progress(args)) => {
            campaign::progress(&mut database.connect()?, args, console)
        }
        Command::Campaign(CampaignCommand::Open(args)) => {
            campaign::open(&mut database.connect()?, args, console)
        }
        Command::Campaign(CampaignCommand::Close(args)) => {
            campaign::close(&mut database.connect()?, &database.url()?, args, console)
        }
        Command::Responses(ResponsesCommand::Import(args)) => {
            data::import_responses(&mut database.connect()?, args, console)
        }
        Command::Results(args) => results::run(&mut database.connect()?, args, console),
        Command::Invite(args) => links::invite(database, args, console),
        Command::Remind(args) => links::remind(database, args, console),
        Command::Mail(MailCommand::Send(args)) => mail::send(&database.url()?, args, console),
        Command::Mail(MailCommand::Status(args)) => {
            mail::status(&mut database.connect()?, args, console)
        }
        Command::Summary(SummaryCommand::Send(args)) => {
            mail::summary(&mut database.connect()?, args, console)
        }
        Command::Demo => {
            let summary = crate::demo::load(&mut database.connect()?)?;
            write!(console.out, "{summary}")?;
            Ok(())
        }
        Command::Serve(args) => serve::run(&database.url()?, args, console),
        Command::Organizer(OrganizerCommand::Add(args)) => {
            organizer::add(&mut database.connect()?, args, console)
        }
        Command::Organizer(OrganizerCommand::List) => {
            organizer::list(&mut database.connect()?, console)
        }
        Command::Organizer(OrganizerCommand::Remove(args)) => {
            organizer::remove(&mut database.connect()?, args, console)
        }
        Command::Organizer(OrganizerCommand::Password(args)) => {
            organizer::password(&mut database.connect()?, args, console)
        }
        Command::Token(TokenCommand::Create(args)) => {
            organizer::create_token(&mut database.connect()?, args, console)
        }
        Command::Token(TokenCommand::List) => {
            organizer::list_tokens(&mut database.connect()?, console)
        }
        Command::Token(TokenCommand::Revoke(args)) => {
            organizer::revoke_token(&mut database.connect()?, args, console)
        }
        Command::Audit(args) => organizer::audit(&mut database.connect()?, args, console),
        Command::Backup(args) => backup::run(database, args, console),
    }
}

/// The `--database-url` as given; parsed and connected to only by the commands that need it,
/// so `template validate` works whatever the setting.
struct Database {
    url: String,
}

impl Database {
    fn url(&self) -> anyhow::Result<DatabaseUrl> {
        Ok(DatabaseUrl::parse(&self.url)?)
    }

    /// One connection, with the schema migrated.
    fn connect(&self) -> anyhow::Result<DbConn> {
        Ok(db::connect(&self.url()?)?)
    }
}

fn open_file(path: &std::path::Path) -> anyhow::Result<std::io::BufReader<std::fs::File>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    Ok(std::io::BufReader::with_capacity(1 << 20, file))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// Every argument of `command` and of the commands below it that has no help text, as
    /// "kinerja campaign create --period".
    fn without_help(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let path = format!("{path} {}", command.get_name()).trim().to_owned();
        if command.get_about().is_none() {
            missing.push(format!("{path} (the command)"));
        }
        for arg in command.get_arguments() {
            // clap's own --help and --version describe themselves.
            let own = matches!(arg.get_id().as_str(), "help" | "version");
            if !own && arg.get_help().is_none() && arg.get_long_help().is_none() {
                let name = match (arg.get_long(), arg.get_value_names()) {
                    (Some(long), _) => format!("--{long}"),
                    (None, Some([name, ..])) => name.to_string(),
                    (None, _) => arg.get_id().to_string(),
                };
                missing.push(format!("{path} {name}"));
            }
        }
        for sub in command.get_subcommands() {
            without_help(sub, &path, missing);
        }
    }

    #[test]
    fn every_command_flag_and_argument_has_help() {
        super::Cli::command().debug_assert();
        let mut command = super::Cli::command();
        // Propagates global arguments and adds clap's own, as parsing does.
        command.build();
        let mut missing = Vec::new();
        without_help(&command, "", &mut missing);
        assert!(
            missing.is_empty(),
            "arguments without help text:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_walker_finds_an_argument_without_help() {
        let command = clap::Command::new("kinerja").about("Test.").subcommand(
            clap::Command::new("campaign")
                .about("Campaigns.")
                .arg(clap::Arg::new("period").long("period"))
                .arg(clap::Arg::new("file").value_name("FILE").help("The file.")),
        );
        let mut missing = Vec::new();
        without_help(&command, "", &mut missing);
        assert_eq!(missing, ["kinerja campaign --period"]);
    }
}
