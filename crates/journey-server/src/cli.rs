//! `journey-server users ...` and `journey-server tokens ...`: managing people and API tokens
//! from the machine that holds the database, beside a running server or without one (the
//! first admin of a new server is made this way). They call the same `actions::people`
//! functions as the API. `journey-server check` recomputes the maintained aggregates from the
//! rows and fails on any drift.

use std::io::{BufRead, IsTerminal, Write};

use jiff::Timestamp;
use journey_core::access::Role;

use crate::actions::people::{self, NewUser, UserChange};
use crate::store::Store;

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse::<Role>().map_err(|_| "one of viewer, operator, admin".to_string())
}

/// Managing people or tokens.
#[derive(clap::Subcommand, Clone, Debug)]
pub enum Command {
    /// People who sign in: add, list, set-role, disable, enable, reset-password.
    #[command(subcommand)]
    Users(Users),
    /// API tokens for other systems: create, list, revoke.
    #[command(subcommand)]
    Tokens(Tokens),
    /// Recomputes every maintained count (the snapshot's aggregates) from the rows and reports
    /// any difference; exits non-zero if there is one. Safe beside a running server (it reads).
    Check,
    /// Writes the Brotli and gzip copies of the console's files (`--dist`) that are missing or
    /// stale, as the server does at start: for a build step, or a folder the server cannot
    /// write to. Needs no database.
    Precompress,
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum Users {
    /// Adds a person. Prints a generated password unless --password-stdin gives one.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// viewer, operator or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lists everyone (never passwords).
    List,
    /// Changes someone's role.
    SetRole {
        email: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Disables someone: they cannot sign in, and their sessions and tokens stop working.
    Disable { email: String },
    /// Enables a disabled person again (their old tokens stay revoked).
    Enable { email: String },
    /// Sets a new password (generated and printed unless --password-stdin gives one) and ends
    /// the person's sessions.
    ResetPassword {
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(clap::Subcommand, Clone, Debug)]
pub enum Tokens {
    /// Creates a token that acts as this person, with their role. The token is printed once.
    Create {
        /// Whose token it is.
        #[arg(long)]
        email: String,
        /// What uses it ("CRM sync").
        #[arg(long)]
        name: String,
    },
    /// Lists tokens (never the tokens themselves).
    List,
    /// Revokes a token by its id (from `tokens list`).
    Revoke { id: u64 },
}

/// Runs a command (against the database, or on the console's files); the error is a sentence
/// for the terminal.
pub async fn run(database: &crate::store::Database, dist: &std::path::Path, command: Command) -> Result<(), String> {
    if let Command::Precompress = command {
        let report =
            crate::web::precompress::precompress(dist).map_err(|e| format!("could not compress {}: {e}", dist.display()))?;
        println!("Wrote {} compressed copies for the {} compressible files of {}.", report.written, report.files, dist.display());
        return Ok(());
    }
    let store = Store::open(database, false).await.map_err(|e| format!("could not open {database}: {e}"))?;
    let result = execute(&store, command, Timestamp::now()).await;
    store.close().await;
    result
}

async fn execute(store: &Store, command: Command, now: Timestamp) -> Result<(), String> {
    let text = |e: crate::actions::ActionError| e.to_string();
    match command {
        // Needs no database: `run` does it before opening one.
        Command::Precompress => {}
        Command::Check => {
            let check = store.check_aggregates().await.map_err(|e| e.to_string())?;
            for drift in &check.drift {
                println!("drift: {drift}");
            }
            if !check.drift.is_empty() {
                return Err(format!("{} of {} counts differ from the rows", check.drift.len(), check.compared));
            }
            println!("Consistent: {} counts match the rows.", check.compared);
        }
        Command::Users(Users::Add { email, name, role, password_stdin }) => {
            let (password, generated) = password(password_stdin)?;
            let user = people::add_user(store, NewUser { email: &email, name: &name, role, password: &password }, now)
                .await
                .map_err(text)?;
            println!("Added {} <{}> as {}.", user.name, user.email, user.role.as_str());
            if generated {
                println!("Password (shown once): {password}");
            }
        }
        Command::Users(Users::List) => {
            for u in people::list_users(store).await.map_err(text)? {
                let disabled = if u.disabled { "  (disabled)" } else { "" };
                println!("{:>4}  {:<8}  {} <{}>{disabled}", u.id, u.role.as_str(), u.name, u.email);
            }
        }
        Command::Users(Users::SetRole { email, role }) => {
            let id = people::user_id_by_email(store, &email).await.map_err(text)?;
            let change = UserChange { role: Some(role), ..UserChange::default() };
            let user = people::change_user(store, id, change, None, now).await.map_err(text)?;
            println!("{} is now {}.", user.email, user.role.with_article());
        }
        Command::Users(Users::Disable { email }) => set_disabled(store, &email, true, now).await?,
        Command::Users(Users::Enable { email }) => set_disabled(store, &email, false, now).await?,
        Command::Users(Users::ResetPassword { email, password_stdin }) => {
            let id = people::user_id_by_email(store, &email).await.map_err(text)?;
            let (password, generated) = password(password_stdin)?;
            let change = UserChange { password: Some(&password), ..UserChange::default() };
            people::change_user(store, id, change, None, now).await.map_err(text)?;
            println!("New password set for {email}; their sessions have ended.");
            if generated {
                println!("Password (shown once): {password}");
            }
        }
        Command::Tokens(Tokens::Create { email, name }) => {
            let id = people::user_id_by_email(store, &email).await.map_err(text)?;
            let token = people::create_token(store, id, &name, now).await.map_err(text)?;
            eprintln!("Token {} for {email} (shown once; send it as `Authorization: Bearer <token>`):", token.id);
            println!("{}", token.token);
        }
        Command::Tokens(Tokens::List) => {
            for t in people::list_tokens(store).await.map_err(text)? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                println!("{:>4}  {state:<7}  {}  \"{}\"", t.id, t.user_email, t.name);
            }
        }
        Command::Tokens(Tokens::Revoke { id }) => {
            people::revoke_token(store, id, now).await.map_err(text)?;
            println!("Token {id} revoked.");
        }
    }
    Ok(())
}

async fn set_disabled(store: &Store, email: &str, disabled: bool, now: Timestamp) -> Result<(), String> {
    let id = people::user_id_by_email(store, email).await.map_err(|e| e.to_string())?;
    let change = UserChange { disabled: Some(disabled), ..UserChange::default() };
    people::change_user(store, id, change, None, now).await.map_err(|e| e.to_string())?;
    println!("{email} is {}.", if disabled { "disabled; their sessions and tokens no longer work" } else { "enabled" });
    Ok(())
}

/// The password from standard input's first line, or a generated one (`true`).
fn password(from_stdin: bool) -> Result<(String, bool), String> {
    if !from_stdin {
        return Ok((crate::auth::random_hex(12), true));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| format!("could not read the password: {e}"))?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}
