//! `journey-server`: parses the command line and runs the server until Ctrl-C.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    journey_server::init_tracing();
    let config = journey_server::Config::parse();
    match journey_server::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journey-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
