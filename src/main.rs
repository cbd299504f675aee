//! The `leptodo` binary: the server, and the operator's commands.

#![deny(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use leptodo::{
    cli::{self, Cli, Command},
    config::Settings,
    startup::Application,
    telemetry,
};

/// mimalloc instead of glibc's malloc: with glibc, a server answering thousands of small requests a second spent
/// a sixth of its CPU allocating and freeing, much of it in arena locks (`make bench`, perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut settings = match Settings::load(&cli.config) {
        Ok(settings) => settings,
        Err(error) => {
            // Logging is configured by the very file that failed, so this goes straight to stderr.
            eprintln!("leptodo: {error}");
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    if matches!(command, Command::Operate(_)) && std::env::var_os("LEPTODO_LOG_LEVEL").is_none() {
        // An operator's command prints its answer; the server's info lines would only bury it.
        settings.log_level = "warn".into();
    }
    if let Err(error) = telemetry::init(&settings) {
        eprintln!("leptodo: {error}");
        return ExitCode::from(2);
    }
    match command {
        Command::Serve => serve(&settings).await,
        Command::Operate(command) => match cli::run(command, &settings).await {
            Ok(output) => {
                println!("{output}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("leptodo: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn serve(settings: &Settings) -> ExitCode {
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(error) => {
            tracing::error!(%error, "start-up failed");
            // Every start-up failure is the configuration or the environment it names (a database that cannot
            // be opened or reached, an address taken): 2, like any other configuration error.
            return ExitCode::from(2);
        }
    };
    // Before the line that tells the world the server is up, so a stop request right after it is graceful.
    let shutdown = leptodo::startup::shutdown_signal();
    tracing::info!("listening on http://{}", application.local_addr());
    application.run_until(shutdown).await;
    ExitCode::SUCCESS
}
