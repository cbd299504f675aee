//! `leptodo db …`: moving the site between databases.

use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;

use super::CommandError;
use crate::{
    config::Settings,
    db::{copy, redacted, Engine, Pool},
};

/// Runs `db copy --from URL --to URL`; answers the counts copied.
pub async fn copy(from: &str, to: &str, settings: &Settings) -> Result<String, CommandError> {
    if Engine::of_url(from) == Some(Engine::Sqlite) {
        // Opening a SQLite URL creates the file; a mistyped source must not become an empty copy.
        let path = SqliteConnectOptions::from_str(from)
            .map_err(|error| CommandError(format!("--from: {error}")))?
            .get_filename()
            .to_owned();
        if !path.exists() {
            return Err(CommandError(format!(
                "--from: there is no database at {}",
                path.display()
            )));
        }
    }
    let source = open(from, "--from", settings).await?;
    let target = match open(to, "--to", settings).await {
        Ok(target) => target,
        Err(error) => {
            source.close().await;
            return Err(error);
        }
    };
    let copied = copy::copy(&source, &target).await;
    source.close().await;
    target.close().await;
    let report = copied.map_err(|error| CommandError(error.to_string()))?;
    tracing::info!(
        from = redacted(from),
        to = redacted(to),
        ?report,
        "database copied"
    );
    Ok(report.to_string())
}

/// Opens and migrates the database at `url`; errors name the `option` it came from.
async fn open(url: &str, option: &str, settings: &Settings) -> Result<Pool, CommandError> {
    let fail = |error: &dyn std::fmt::Display| CommandError(format!("{option}: {error}"));
    let pool = Pool::connect_url(url, 2, settings.database_synchronous)
        .await
        .map_err(|error| fail(&error))?;
    if let Err(error) = pool.migrate().await {
        pool.close().await;
        return Err(fail(&error));
    }
    Ok(pool)
}
