//! Accounts: users with argon2id password hashes, memberships with a role and a tenant
//! entitlement, and the password check behind sign-in with its throttle. Hashing is blocking
//! work and runs on the blocking pool. A password never leaves this module except as a hash,
//! and never appears in an error or a log line.

use crate::domain::access::Role;
use crate::domain::{TenantId, Timestamp, UserId, WorkspaceId, throttle};
use crate::runtime::clock::Clock;
use crate::services::error::{Error, Invalid, Thing};
use crate::store::accounts as stored;
use crate::store::db::Db;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use std::time::Duration;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted: hashing is work an attacker should not be able to inflate.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The longest email address (RFC 5321's path limit less its brackets).
pub const MAX_EMAIL_BYTES: usize = 254;
/// How long a sign-in waits for a free hasher before it is told to try again.
pub const HASH_WAIT: Duration = Duration::from_secs(2);

/// Lets at most as many password checks run at once as the machine has cores, so a flood of
/// sign-ins cannot take every thread or (at about 19 MiB per argon2id hash) all the memory.
#[derive(Debug)]
pub struct HashGate {
    permits: tokio::sync::Semaphore,
    wait: Duration,
}

impl Default for HashGate {
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get), HASH_WAIT)
    }
}

impl HashGate {
    /// A gate of `permits` checks at once, each waiting at most `wait` for its turn.
    pub fn new(permits: usize, wait: Duration) -> Self {
        Self { permits: tokio::sync::Semaphore::new(permits.max(1)), wait }
    }

    /// Whether `password` matches `hash`, once a hasher is free; [`Error::Throttled`] when
    /// none frees up in time.
    async fn verify(&self, password: &str, hash: &str) -> Result<bool, Error> {
        let permit = tokio::time::timeout(self.wait, self.permits.acquire()).await;
        let Ok(Ok(_permit)) = permit else {
            tracing::warn!("sign-in refused: every password hasher is busy");
            return Err(Error::Throttled);
        };
        Ok(verify_password(password, hash).await)
    }
}

/// Hashes `password` with argon2id and a random salt, on the blocking pool.
pub async fn hash_password(password: &str) -> Result<String, Error> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(Invalid::ShortPassword(MIN_PASSWORD_CHARS)));
    }
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| Error::internal("hashing a password", e))?
    // The hasher's error never carries the password.
    .map_err(|e| Error::internal("hashing a password", e.to_string()))
}

/// Whether `password` matches `hash`, on the blocking pool. An unreadable hash never matches.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

fn normalize_email(email: &str) -> Result<String, Error> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= MAX_EMAIL_BYTES
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.contains(char::is_whitespace);
    if valid { Ok(email) } else { Err(Error::Invalid(Invalid::Email)) }
}

/// Creates the user `email` (or updates their name) with `password` when given.
pub async fn add_user(
    db: &Db,
    clock: &dyn Clock,
    email: &str,
    name: &str,
    password: Option<&str>,
) -> Result<UserId, Error> {
    let email = normalize_email(email)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::Invalid(Invalid::DisplayName));
    }
    let hash = match password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    Ok(stored::upsert_user(db, &email, name, hash.as_deref(), clock.now()).await?)
}

/// Removes `email`'s access: every membership, the platform role, the password and every
/// session. The person's record stays, so the runs they started still name them; `add` and
/// `grant` give access again.
pub async fn remove_user(db: &Db, email: &str) -> Result<(), Error> {
    let user = user_id(db, email).await?;
    Ok(stored::remove_access(db, user).await?)
}

/// Sets the password of `email` and ends their sessions.
pub async fn set_password(db: &Db, email: &str, password: &str) -> Result<(), Error> {
    let user = user_id(db, email).await?;
    let hash = hash_password(password).await?;
    Ok(stored::set_password_hash(db, user, &hash).await?)
}

/// Makes `platform` whether `email` is a platform operator.
pub async fn set_platform_operator(db: &Db, email: &str, platform: bool) -> Result<(), Error> {
    let user = user_id(db, email).await?;
    Ok(stored::set_platform_operator(db, user, platform).await?)
}

async fn user_id(db: &Db, email: &str) -> Result<UserId, Error> {
    let email = normalize_email(email)?;
    stored::user_by_email(db, &email).await?.ok_or_else(|| Error::NotFound(Thing::User(email)))
}

async fn workspace_id(db: &Db, slug: &str) -> Result<WorkspaceId, Error> {
    stored::workspace_by_slug(db, slug.trim())
        .await?
        .ok_or_else(|| Error::NotFound(Thing::WorkspaceSlug(slug.trim().to_owned())))
}

/// `email` acting in the workspace `workspace` (a slug) as their membership says: how the
/// command line acts for a named person, through the same authorization as their pages.
pub async fn member(db: &Db, email: &str, workspace: &str) -> Result<crate::services::principal::Principal, Error> {
    let user = user_id(db, email).await?;
    let ws = workspace_id(db, workspace).await?;
    crate::services::principal::load(db, user, ws).await?.ok_or_else(|| {
        Error::NotFound(Thing::Membership { email: email.trim().to_owned(), workspace: workspace.trim().to_owned() })
    })
}

/// The tenant of workspace `ws` (named `workspace` in the refusal) whose slug is `slug`.
pub async fn tenant_by_slug(db: &Db, ws: WorkspaceId, workspace: &str, slug: &str) -> Result<TenantId, Error> {
    stored::tenant_by_slug(db, ws, slug.trim()).await?.ok_or_else(|| {
        Error::NotFound(Thing::TenantSlug { tenant: slug.trim().to_owned(), workspace: workspace.trim().to_owned() })
    })
}

/// Gives `email` the `role` in the workspace `workspace` (a slug), over every tenant
/// (`tenants` = `None`) or only the tenants with these slugs. Replaces an earlier grant there.
pub async fn grant(db: &Db, email: &str, workspace: &str, role: &str, tenants: Option<&[String]>) -> Result<(), Error> {
    let role = Role::parse(role.trim()).map_err(|_| Error::Invalid(Invalid::Role(role.trim().to_owned())))?;
    let user = user_id(db, email).await?;
    let ws = workspace_id(db, workspace).await?;
    let mut ids = Vec::new();
    for slug in tenants.unwrap_or_default() {
        let id = stored::tenant_by_slug(db, ws, slug.trim()).await?;
        let missing = || Thing::TenantSlug { tenant: slug.trim().to_owned(), workspace: workspace.trim().to_owned() };
        ids.push(id.ok_or_else(|| Error::NotFound(missing()))?);
    }
    if tenants.is_some_and(<[String]>::is_empty) {
        return Err(Error::Invalid(Invalid::NoTenantsNamed));
    }
    let entitled = tenants.map(|_| ids.as_slice());
    Ok(stored::replace_membership(db, user, ws, role.as_str(), entitled).await?)
}

/// Removes `email`'s membership of `workspace` (a slug) with its entitlements, ending their
/// sessions in that workspace.
pub async fn revoke(db: &Db, email: &str, workspace: &str) -> Result<(), Error> {
    let user = user_id(db, email).await?;
    let ws = workspace_id(db, workspace).await?;
    if !stored::remove_membership(db, user, ws).await? {
        let membership = Thing::Membership { email: email.trim().to_owned(), workspace: workspace.trim().to_owned() };
        return Err(Error::NotFound(membership));
    }
    Ok(())
}

/// Checks a sign-in from `client` (its address). The attempt is counted first, against the
/// (client, account) key and the client key (`domain::throttle`), and only an attempt both
/// let through is hashed, behind the [`HashGate`]. A right password clears the (client,
/// account) count and gives the client its attempt back; the answer never says whether the
/// email exists.
pub async fn check_sign_in(
    db: &Db,
    clock: &dyn Clock,
    gate: &HashGate,
    email: &str,
    password: &str,
    client: &str,
) -> Result<UserId, Error> {
    let email = email.trim().to_lowercase();
    // No account has such an address; refused before it reaches the database (PostgreSQL
    // cannot store a NUL) or the hasher.
    if email.len() > MAX_EMAIL_BYTES || email.chars().any(char::is_control) || password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::WrongCredentials);
    }
    let client: String = client.chars().take(64).collect();
    let (pair, whole) = (format!("a:{client}:{email}"), format!("c:{client}"));
    let keys = [(pair.as_str(), throttle::MAX_PER_CLIENT_ACCOUNT), (whole.as_str(), throttle::MAX_PER_CLIENT)];
    if !stored::count_attempt(db, &keys, clock.now()).await? {
        tracing::warn!("sign-in throttled");
        return Err(Error::Throttled);
    }
    let row = stored::credentials(db, &email).await?;
    // An unknown account costs the same effort, so timing does not tell.
    let hash = match &row {
        Some(stored::CredentialRow { password_hash: Some(hash), .. }) => hash.as_str(),
        _ => DUMMY_HASH,
    };
    let ok = gate.verify(password, hash).await?;
    match row {
        Some(stored::CredentialRow { id, password_hash: Some(_) }) if ok => {
            stored::sign_in_succeeded(db, &pair, &whole).await?;
            Ok(UserId(id))
        }
        _ => Err(Error::WrongCredentials),
    }
}

/// A valid argon2id hash of a random string, verified against for unknown accounts.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$mWqtC6y6vO0mKp3cNfBvWJ4u4cJ2y3q4n3m2x2y1z0A";

/// Forgets throttle counts quiet for longer than the longest block; returns how many.
pub async fn prune_sign_in_counts(db: &Db, now: Timestamp) -> Result<u64, Error> {
    Ok(stored::prune_attempts(db, now.minus(throttle::MAX_BLOCK.saturating_mul(2))).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hash = hash_password("correct horse battery").await.unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse battery", &hash).await);
        assert!(!verify_password("correct horse batterY", &hash).await);
        assert!(!verify_password("anything", "not a hash").await);
    }

    #[tokio::test]
    async fn a_check_that_finds_every_hasher_busy_is_told_to_try_again_instead_of_queueing_forever() {
        let gate = HashGate::new(1, Duration::from_millis(30));
        let hash = hash_password("correct horse battery").await.unwrap_or_default();
        let busy = gate.permits.acquire().await;
        assert!(matches!(gate.verify("correct horse battery", &hash).await, Err(Error::Throttled)));
        drop(busy);
        assert!(matches!(gate.verify("correct horse battery", &hash).await, Ok(true)));
        assert!(HashGate::default().permits.available_permits() >= 1, "as many as the machine has cores");
    }

    #[tokio::test]
    async fn short_passwords_are_refused_with_the_rule() {
        let err = hash_password("short").await;
        assert!(matches!(err, Err(Error::Invalid(Invalid::ShortPassword(12)))), "{err:?}");
    }

    #[test]
    fn emails_are_normalized_or_refused_calmly() {
        assert_eq!(normalize_email("  Dana@Example.COM ").ok().as_deref(), Some("dana@example.com"));
        for bad in ["", "dana", "@example.com", "dana@localhost", "da na@example.com"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
