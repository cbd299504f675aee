//! The account area: the holder's profile, password and sign-in methods, signed-in devices, security log and
//! data (export, deletion), each a section with its own page and a navigation between them
//! ([`layout::AccountArea`]).

pub mod activity;
pub mod data;
pub mod devices;
pub mod layout;
pub mod profile_page;
pub mod security_page;

pub use activity::ActivityPage;
pub use data::DataPage;
pub use devices::DevicesPage;
pub use profile_page::ProfilePage;
pub use security_page::SecurityPage;
