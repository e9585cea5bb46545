//! `journey-server`: parses the command line and runs the server until Ctrl-C, or one
//! `users`/`tokens`/`check` command against the database, or `precompress` on the console's files.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = journey_server::Config::parse();
    journey_server::init_tracing(config.log_format);
    if let Some(command) = config.command.clone() {
        return match journey_server::cli::run(&config.database, &config.dist, command).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("journey-server: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    match journey_server::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journey-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
