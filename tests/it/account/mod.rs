//! The account area of `src/account/`: signed-in devices, the security log, the export and deletion.

mod activity;
mod deletion;
mod devices;
mod export;
