//! The `leptodo` server binary.

use std::process::ExitCode;

use clap::Parser;
use leptodo::{cli::Cli, config::Settings, startup::Application, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.config) {
        Ok(settings) => settings,
        Err(error) => {
            // Logging is configured by the very file that failed, so this goes straight to stderr.
            eprintln!("leptodo: {error}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = telemetry::init(&settings) {
        eprintln!("leptodo: {error}");
        return ExitCode::from(2);
    }
    let application = match Application::build(&settings).await {
        Ok(application) => application,
        Err(error) => {
            tracing::error!(%error, "start-up failed");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("listening on http://{}", application.local_addr());
    match application
        .run_until(leptodo::startup::shutdown_signal())
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server stopped with an error");
            ExitCode::FAILURE
        }
    }
}
