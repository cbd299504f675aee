//! Password hashing with argon2id, on threads of its own, at a lower priority, with a bound on how many wait.
//!
//! One argon2id hash with the default parameters takes ~19 MiB and tens of milliseconds of CPU. Run on the
//! runtime's threads it would stall every other request; run without a bound, a flood of logins would exhaust
//! memory. So hashes run on `password_hashing_concurrency` threads of their own ([`HashingThreads`]); and since
//! a line that only grows answers nobody in time, past `password_hashing_queue` waiting hashes a new one is
//! refused at once ([`HashingError::Overloaded`], a 503 with `Retry-After`) while the rest of the app, which
//! needs no hashing, stays fast. Not tokio's `spawn_blocking`: its threads would run every admitted hash at
//! once, each holding its memory, at the runtime's priority, and free that memory to the allocator after each.

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc,
};

use argon2::{
    password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, Salt, SaltString},
    Algorithm, Argon2, Params, Version,
};

use crate::{config::Settings, domain::Password};

mod threads;

use threads::{HashMemory, HashingThreads};

/// Why a password could not be hashed or checked. Never contains the password.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    /// The configured parameters are outside what argon2 accepts.
    #[error("keys `argon2_memory_kib`, `argon2_iterations`, `argon2_parallelism`: {0}")]
    Parameters(argon2::Error),
    /// A stored hash is not a PHC string argon2 understands.
    #[error("stored password hash is malformed: {0}")]
    MalformedHash(argon2::password_hash::Error),
    /// Hashing itself failed (a parameter out of range, for instance).
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
    /// The hash was not computed: its thread panicked, or the threads have stopped.
    #[error("password hashing thread failed")]
    Thread,
    /// The system refused the hash's memory.
    #[error("cannot map memory for a password hash: {0}")]
    Memory(std::io::Error),
    /// Too many hashes are waiting already; this one was not started.
    #[error("too many password hashes waiting")]
    Overloaded,
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password is wrong.
    Mismatch,
    /// The password is right; `needs_rehash` says the hash was made with other parameters than today's.
    Match {
        /// Whether the stored hash should be replaced by one with the current parameters.
        needs_rehash: bool,
    },
}

/// Hashes and verifies passwords with the configured argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    threads: HashingThreads,
    /// A permit for each hash that may be running or waiting for a thread at once.
    line: Arc<tokio::sync::Semaphore>,
    line_limit: usize,
    /// Unix time of the last "overloaded" warning, so a flood of refusals logs once every ten seconds.
    last_warned: Arc<AtomicI64>,
    /// A hash of a random password, checked when the account does not exist so that "no such user" takes as
    /// long as "wrong password" and timing does not reveal which accounts exist.
    decoy_hash: Arc<str>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// The argon2 parameters the configuration asks for, or why argon2 refuses them: checked without starting
    /// the hashing threads.
    pub fn parameters(settings: &Settings) -> Result<Params, HashingError> {
        Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(HashingError::Parameters)
    }

    /// Builds the hasher from the configuration; refuses parameters argon2 would reject.
    pub fn new(settings: &Settings) -> Result<Self, HashingError> {
        let params = Self::parameters(settings)?;
        let concurrency = match settings.password_hashing_concurrency {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n as usize,
        };
        let decoy_hash = new_hash(
            &params,
            SaltString::generate(&mut OsRng).as_str(),
            &mut HashMemory::default(),
        )?
        .into();
        let line_limit = concurrency.max(1) + settings.password_hashing_queue as usize;
        Ok(Self {
            params,
            threads: HashingThreads::start(
                concurrency.max(1),
                settings.password_hashing_niceness.get(),
            ),
            line: Arc::new(tokio::sync::Semaphore::new(line_limit)),
            line_limit,
            last_warned: Arc::new(AtomicI64::new(0)),
            decoy_hash,
        })
    }

    /// A place in the hashing line, or [`HashingError::Overloaded`] at once when the line is full. Take it
    /// before counting an attempt, so that an overloaded server does not cost the user one; its hashes then
    /// wait only for a permit.
    pub fn turn(&self) -> Result<Turn<'_>, HashingError> {
        match Arc::clone(&self.line).try_acquire_owned() {
            Ok(place) => Ok(Turn {
                hasher: self,
                _place: place,
            }),
            Err(_) => {
                let now = crate::db::unix_now();
                if self.last_warned.swap(now, Ordering::Relaxed) + 10 <= now {
                    tracing::warn!(
                        limit = self.line_limit,
                        "password hashing overloaded: logins are answered 503 until the line shortens"
                    );
                }
                Err(HashingError::Overloaded)
            }
        }
    }

    /// Hashes a new password into a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
    pub async fn hash(&self, password: &Password) -> Result<String, HashingError> {
        self.turn()?.hash(password).await
    }

    /// Hashes a password that was just verified against an outdated hash. It may predate today's password
    /// rules, so it is not a [`Password`]; it is still the user's password.
    pub async fn rehash(&self, verified_password: &str) -> Result<String, HashingError> {
        self.turn()?.rehash(verified_password).await
    }

    /// Checks `password` against a stored PHC string.
    pub async fn verify(&self, password: &str, stored: &str) -> Result<Verification, HashingError> {
        self.turn()?.verify(password, stored).await
    }

    /// Spends the time of one verification without an account, so unknown and known logins look alike.
    pub async fn verify_decoy(&self, password: &str) -> Result<(), HashingError> {
        self.turn()?.verify_decoy(password).await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut HashMemory) -> Result<T, HashingError> + Send + 'static,
    ) -> Result<T, HashingError> {
        self.threads.run(work).await
    }
}

/// A place in the hashing line ([`PasswordHasher::turn`]); its hashes run one after the other.
pub struct Turn<'a> {
    hasher: &'a PasswordHasher,
    /// Given back when the turn ends (or its request is dropped).
    _place: tokio::sync::OwnedSemaphorePermit,
}

impl Turn<'_> {
    /// [`PasswordHasher::hash`] in this turn.
    pub async fn hash(&self, password: &Password) -> Result<String, HashingError> {
        self.hash_text(password.expose()).await
    }

    /// [`PasswordHasher::rehash`] in this turn.
    pub async fn rehash(&self, verified_password: &str) -> Result<String, HashingError> {
        self.hash_text(verified_password).await
    }

    async fn hash_text(&self, password: &str) -> Result<String, HashingError> {
        let params = self.hasher.params.clone();
        let password = normalized(password).into_owned();
        self.hasher
            .run(move |memory| new_hash(&params, &password, memory))
            .await
    }

    /// [`PasswordHasher::verify`] in this turn.
    pub async fn verify(&self, password: &str, stored: &str) -> Result<Verification, HashingError> {
        let form = normalized(password);
        let verification = self.verify_exactly(&form, stored).await?;
        if verification != Verification::Mismatch || form == password {
            return Ok(verification);
        }
        // A hash made before passwords were normalised was made from the characters as typed: it still
        // works, and the login that proves it replaces it. Only a password that normalising changes costs
        // this second check, and the decoy pays it too, so that timing tells no account from none.
        Ok(match self.verify_exactly(password, stored).await? {
            Verification::Match { .. } => Verification::Match { needs_rehash: true },
            Verification::Mismatch => Verification::Mismatch,
        })
    }

    /// `password` against `stored`, character for character.
    async fn verify_exactly(
        &self,
        password: &str,
        stored: &str,
    ) -> Result<Verification, HashingError> {
        let current = self.hasher.params.clone();
        let password = password.to_owned();
        let stored = stored.to_owned();
        self.hasher
            .run(move |memory| {
                let parsed = PasswordHash::new(&stored).map_err(HashingError::MalformedHash)?;
                Ok(match matches(&parsed, &password, memory)? {
                    true => Verification::Match {
                        needs_rehash: !uses_params(&parsed, &current),
                    },
                    false => Verification::Mismatch,
                })
            })
            .await
    }

    /// [`PasswordHasher::verify_decoy`] in this turn.
    pub async fn verify_decoy(&self, password: &str) -> Result<(), HashingError> {
        let decoy = Arc::clone(&self.hasher.decoy_hash);
        self.verify(password, &decoy).await.map(|_| ())
    }
}

/// The form a password is hashed and checked in: NFKC, as NIST SP 800-63B asks, so that an "é" typed as one
/// character or as "e" and a combining accent, or a full-width "Ａ", is the same password on every keyboard.
fn normalized(password: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};
    match is_nfkc_quick(password.chars()) {
        IsNormalized::Yes => std::borrow::Cow::Borrowed(password),
        IsNormalized::No | IsNormalized::Maybe => password.nfkc().collect::<String>().into(),
    }
}

fn argon2id(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A new PHC string for `password` with `params` and a fresh salt, computed in `memory`.
fn new_hash(
    params: &Params,
    password: &str,
    memory: &mut HashMemory,
) -> Result<String, HashingError> {
    let salt = SaltString::generate(&mut OsRng);
    let mut output = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    hash_into(
        &argon2id(params.clone()),
        password,
        salt.as_salt(),
        &mut output,
        memory,
    )?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(HashingError::Hash)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).map_err(HashingError::Hash)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` gives the stored hash, recomputed with the hash's own algorithm, version, parameters and
/// salt in `memory`. The comparison takes the same time wherever the outputs differ (`Output`'s equality).
fn matches(
    stored: &PasswordHash<'_>,
    password: &str,
    memory: &mut HashMemory,
) -> Result<bool, HashingError> {
    let malformed = HashingError::MalformedHash;
    let algorithm = Algorithm::try_from(stored.algorithm).map_err(malformed)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|error| malformed(error.into()))?
        .unwrap_or_default();
    let params = Params::try_from(stored).map_err(malformed)?;
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Err(malformed(argon2::password_hash::Error::PhcStringField));
    };
    let mut output = vec![0_u8; expected.len()];
    hash_into(
        &Argon2::new(algorithm, version, params),
        password,
        salt,
        &mut output,
        memory,
    )?;
    Ok(Output::new(&output).map_err(malformed)? == expected)
}

/// Fills `output` with the hash of `password` and `salt` (as a PHC string holds it, base64) under `argon2`'s
/// algorithm, version and parameters, computed in `memory`.
fn hash_into(
    argon2: &Argon2<'_>,
    password: &str,
    salt: Salt<'_>,
    output: &mut [u8],
    memory: &mut HashMemory,
) -> Result<(), HashingError> {
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(HashingError::MalformedHash)?;
    argon2
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            output,
            memory.blocks(argon2.params().block_count())?,
        )
        .map_err(|error| HashingError::Hash(error.into()))
}

/// Whether a stored hash was made with argon2id, the current version, and exactly these parameters.
fn uses_params(hash: &PasswordHash<'_>, current: &Params) -> bool {
    let same_algorithm = hash.algorithm == Algorithm::Argon2id.ident();
    let same_version = hash.version == Some(Version::V0x13.into());
    let same_params = Params::try_from(hash).is_ok_and(|stored| {
        stored.m_cost() == current.m_cost()
            && stored.t_cost() == current.t_cost()
            && stored.p_cost() == current.p_cost()
    });
    same_algorithm && same_version && same_params
}

#[cfg(test)]
mod tests;
