//! Your data (`/account/data`): the export of everything the site holds about the account (a JSON download),
//! and deleting the account for good, for the page, the JSON API and (deletion) the command line alike.

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod deletion;
#[cfg(feature = "ssr")]
pub mod export;
pub mod page;

pub use page::DataPage;
