//! The authenticator app's side, by RFC 6238 (totp-rs): a new secret, what the app is given to learn it (the
//! `otpauth://` URI, its QR code, the key as text), and checking a code.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use totp_rs::{Builder, Totp};

/// Bytes of a secret: 160 bits, RFC 4226's recommendation.
pub const SECRET_BYTES: usize = 20;
/// Seconds of one time step: what every authenticator app uses.
pub const STEP_SECONDS: u64 = 30;
/// What the app shows the account under, before the username.
const ISSUER: &str = "Leptodo";

/// A new random secret.
pub fn new_secret() -> [u8; SECRET_BYTES] {
    let mut secret = [0_u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut secret);
    secret
}

/// The code generator for `secret`, shown in the app as `Leptodo:<account>`: SHA-1, 6 digits, 30 s steps and
/// one step of skew either way, what every app expects.
pub fn generator(secret: &[u8], account: &str) -> Option<Totp> {
    // An account name may not hold the `:` that separates it from the issuer; usernames are letters and
    // digits, so this only guards the rule.
    let account: String = account.chars().filter(|c| *c != ':').collect();
    Builder::new()
        .with_secret(secret.to_vec())
        .with_step_duration(STEP_SECONDS)
        .with_skew(1)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .ok()
}

/// The time step a valid `code` of `generator` matches at Unix time `now` (the current one or a neighbour);
/// `None` for a wrong code.
pub fn matched_step(generator: &Totp, code: &str, now: u64) -> Option<u64> {
    generator.check(code, now)
}

/// What the setup page shows the app: the key as text in groups of four (for typing), the `otpauth://` URI,
/// and that URI's QR code as an SVG element.
pub fn enrolment(generator: &Totp) -> Option<(String, String, String)> {
    let uri = generator.to_url().ok()?;
    let key = generator
        .secret()
        .to_base32()
        .as_bytes()
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let svg = qrcode::QrCode::new(uri.as_bytes())
        .ok()?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // The XML prolog does not belong inside an HTML page.
    let svg = match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    };
    Some((key, uri, svg))
}

#[cfg(test)]
mod tests {
    use super::{enrolment, generator, matched_step};

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" and its 8-digit codes, of which a 6-digit
    /// code is the last six digits.
    const RFC_SECRET: &[u8] = b"12345678901234567890";
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn codes_follow_the_rfc_test_vectors() {
        let generator = generator(RFC_SECRET, "annlee").expect("valid");
        for (time, eight_digits) in RFC_VECTORS {
            let code = &eight_digits[2..];
            assert_eq!(generator.generate(time).to_string(), code, "at {time}");
            assert_eq!(matched_step(&generator, code, time), Some(time / 30));
        }
    }

    #[test]
    fn one_step_either_side_is_accepted_and_two_are_not() {
        let generator = generator(RFC_SECRET, "annlee").expect("valid");
        let now = 1_234_567_890;
        let code = |time: u64| generator.generate(time).to_string();
        assert_eq!(
            matched_step(&generator, &code(now - 30), now),
            Some(now / 30 - 1)
        );
        assert_eq!(
            matched_step(&generator, &code(now + 30), now),
            Some(now / 30 + 1)
        );
        assert_eq!(matched_step(&generator, &code(now - 60), now), None);
        assert_eq!(matched_step(&generator, &code(now + 60), now), None);
        assert_eq!(matched_step(&generator, "12345a", now), None);
    }

    #[test]
    fn enrolment_gives_the_key_as_text_the_uri_and_an_svg() {
        let generator = generator(RFC_SECRET, "annlee").expect("valid");
        let (key, uri, svg) = enrolment(&generator).expect("enrolment");
        assert_eq!(key, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
        assert!(
            uri.starts_with(
                "otpauth://totp/Leptodo:annlee?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            ),
            "{uri}"
        );
        assert!(uri.contains("issuer=Leptodo"), "{uri}");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
    }
}
