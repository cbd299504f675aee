//! Command-line arguments of the `leptodo` binary.

use std::path::PathBuf;

use clap::Parser;

/// Leptodo: a TodoMVC behind real user accounts.
///
/// Serves the web app. Every setting lives in the configuration file (Leptos.toml) and can be
/// overridden by an environment variable LEPTODO_<KEY>, e.g. LEPTODO_DATABASE_URL.
#[derive(Debug, Parser)]
#[command(name = "leptodo", version, about)]
pub struct Cli {
    /// Path of the configuration file.
    #[arg(long, value_name = "FILE", default_value = "Leptos.toml")]
    pub config: PathBuf,
}
