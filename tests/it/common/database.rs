//! A fresh, empty database for each test, on the engine the run is for: a SQLite file in a temporary folder,
//! or — when `TEST_POSTGRES_URL` names a PostgreSQL server (the test command starts one) — a new
//! database on that server. The same tests thus prove every rule on both engines.

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{Connection, PgConnection};

/// The variable that switches the suite to PostgreSQL: a URL of a role allowed to create databases.
pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

/// One test's database; a SQLite file disappears with it, a PostgreSQL database with the throw-away cluster.
pub struct TestDatabase {
    /// What `database_url` is set to.
    pub url: String,
    /// The SQLite file, when the engine is SQLite.
    pub sqlite_path: Option<std::path::PathBuf>,
    /// The folder of the SQLite file and of the outbox.
    dir: tempfile::TempDir,
}

/// The PostgreSQL server of this run, if the run is on PostgreSQL.
pub fn postgres_server() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.is_empty())
}

impl TestDatabase {
    /// A new empty database. Blocking, so plain and async tests alike can call it.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        match postgres_server() {
            None => {
                let path = dir.path().join("nested/leptodo.db");
                Self {
                    url: format!("sqlite://{}", path.display()),
                    sqlite_path: Some(path),
                    dir,
                }
            }
            Some(server) => Self {
                url: create_postgres_database(&server),
                sqlite_path: None,
                dir,
            },
        }
    }

    /// An outbox folder of this test alone, removed with the database's temporary folder.
    pub fn outbox_dir(&self) -> String {
        self.dir.path().join("outbox").display().to_string()
    }

    /// Whether this run is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.sqlite_path.is_none()
    }

    /// A raw connection pool, to arrange or inspect what the API cannot. Queries use `$1` placeholders, which
    /// both engines read.
    pub async fn pool(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.url)
            .await
            .expect("open the test database")
    }
}

impl TestDatabase {
    /// Takes a lock that makes every write of `table` wait until [`HeldWriteLock::release`]: on SQLite the
    /// database's write lock (`BEGIN IMMEDIATE`: every table), on PostgreSQL an `EXCLUSIVE` lock on `table`.
    /// Reads go on. A request held up by it waits on the test, not on the CPU, so no machine is fast enough to
    /// finish it.
    pub async fn hold_write_lock(&self, table: &str) -> HeldWriteLock {
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("open the test database");
        let statement = if self.is_postgres() {
            format!("BEGIN; LOCK TABLE {table} IN EXCLUSIVE MODE")
        } else {
            "BEGIN IMMEDIATE".to_owned()
        };
        sqlx::raw_sql(&statement)
            .execute(&mut connection)
            .await
            .expect("take the write lock");
        HeldWriteLock { connection }
    }
}

/// A write lock of the test's own (see [`TestDatabase::hold_write_lock`]); dropping it closes the connection,
/// which releases the lock too.
pub struct HeldWriteLock {
    connection: sqlx::AnyConnection,
}

impl HeldWriteLock {
    /// Ends the lock's transaction without writing anything.
    pub async fn release(mut self) {
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut self.connection)
            .await
            .expect("release the write lock");
        let _ = self.connection.close().await;
    }
}

impl TestDatabase {
    /// The application's own pool on this database, for calling its services and queries directly.
    pub async fn app_pool(&self) -> leptodo::db::Pool {
        leptodo::db::Pool::connect_url(&self.url, 4, leptodo::config::Synchronous::Full)
            .await
            .expect("open the test database")
    }
}

/// Creates a uniquely named database on `server`; answers its URL.
fn create_postgres_database(server: &str) -> String {
    static CREATED: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let name = format!(
        "leptodo_test_{}_{}_{nanos}",
        std::process::id(),
        CREATED.fetch_add(1, Ordering::Relaxed)
    );
    let server = server.to_owned();
    let statement = format!("CREATE DATABASE {name}");
    // A thread of its own, with its own runtime: callable from inside an async test as well as outside one.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let mut connection = PgConnection::connect(&server)
                .await
                .expect("the test PostgreSQL server answers");
            sqlx::raw_sql(&statement)
                .execute(&mut connection)
                .await
                .expect("create the test database");
            let _ = connection.close().await;
            let mut url = url::Url::parse(&server).expect("a URL");
            url.set_path(&name);
            url.to_string()
        })
    })
    .join()
    .expect("database creation finishes")
}
