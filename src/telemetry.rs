//! Logging: one subscriber for the whole process, configured from [`Settings`].

use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::{LogFormat, Settings};

/// Installs the global `tracing` subscriber; fails on an invalid `log_level`.
pub fn init(settings: &Settings) -> Result<(), String> {
    let filter = EnvFilter::try_new(&settings.log_level)
        .map_err(|error| format!("configuration: key `log_level`: {error}"))?;
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes are noise in a log file or a journal.
        .with_ansi(std::io::stderr().is_terminal());
    let installed = match settings.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.map_err(|error| format!("cannot install the logger: {error}"))
}
