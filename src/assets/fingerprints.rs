//! The fingerprinted names cargo-leptos gives the bundle and stylesheet, read once at start-up: a leaf the
//! HTML shell reads the stylesheet's name from.

use std::sync::OnceLock;

/// Where cargo-leptos serves the bundle, stylesheet and their compressed copies from, below the site root.
pub const PKG_DIR: &str = "pkg";

/// The file cargo-leptos writes beside the binary when `hash-files` is on, as Leptos itself looks for it.
const HASH_FILE: &str = "hash.txt";

/// The fingerprints of this build's files, read once at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprints {
    /// Of the stylesheet, the one name the page spells out itself (Leptos names the bundle's files).
    css: Option<String>,
}

static FINGERPRINTS: OnceLock<Fingerprints> = OnceLock::new();

impl Fingerprints {
    /// Reads the hash file beside the running binary: `Some` when the build fingerprinted its files (a
    /// `cargo leptos build`), `None` when it did not (the binary of `cargo test`), so plain names are used.
    pub fn load() -> Option<Self> {
        let exe = std::env::current_exe().ok()?;
        let listing = std::fs::read_to_string(exe.parent()?.join(HASH_FILE)).ok()?;
        Some(Self::parse(&listing))
    }

    /// Parses cargo-leptos' `kind: hash` lines (`js`, `wasm`, `css`).
    fn parse(listing: &str) -> Self {
        let css = listing.lines().find_map(|line| {
            let (kind, hash) = line.split_once(':')?;
            (kind.trim() == "css").then(|| hash.trim().to_owned())
        });
        Self { css }
    }

    /// Makes these the fingerprints every page names (the first call wins).
    pub fn install(self) {
        let _ = FINGERPRINTS.set(self);
    }
}

/// The stylesheet's address: `/pkg/leptodo.<hash>.css` in a fingerprinted build, else `/pkg/leptodo.css`.
pub fn stylesheet_href() -> String {
    let name = env!("CARGO_PKG_NAME");
    match FINGERPRINTS.get().and_then(|f| f.css.as_deref()) {
        Some(hash) => format!("/{PKG_DIR}/{name}.{hash}.css"),
        None => format!("/{PKG_DIR}/{name}.css"),
    }
}

#[cfg(test)]
mod tests {
    use super::Fingerprints;

    #[test]
    fn reads_the_stylesheet_hash_from_cargo_leptos_listing() {
        let listing = "js: AbC-1\nwasm: dEf_2\ncss: GhI3\n";
        assert_eq!(Fingerprints::parse(listing).css.as_deref(), Some("GhI3"));
        assert_eq!(Fingerprints::parse("js: x\n").css, None);
    }
}
