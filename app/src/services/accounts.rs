//! Accounts: users with argon2id password hashes, memberships with a role and a tenant
//! entitlement, and the password check behind sign-in with its throttle. Hashing is blocking
//! work and runs on the blocking pool. A password never leaves this module except as a hash,
//! and never appears in an error or a log line.

use crate::domain::access::Role;
use crate::domain::{Timestamp, UserId, WorkspaceId};
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
/// The window failed sign-ins are counted in.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(60);
/// Failed sign-ins for one account within the window before it is throttled.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
/// Failed sign-ins from one client address within the window before it is throttled.
pub const MAX_FAILURES_PER_CLIENT: i64 = 30;

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
    let valid = email.len() <= 254
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

/// Sets the password of `email`.
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

/// Removes `email`'s membership of `workspace` (a slug) with its entitlements.
pub async fn revoke(db: &Db, email: &str, workspace: &str) -> Result<(), Error> {
    let user = user_id(db, email).await?;
    let ws = workspace_id(db, workspace).await?;
    if !stored::remove_membership(db, user, ws).await? {
        let membership = Thing::Membership { email: email.trim().to_owned(), workspace: workspace.trim().to_owned() };
        return Err(Error::NotFound(membership));
    }
    Ok(())
}

/// Checks a sign-in: throttled first (too many recent failures for the account or the
/// client), then the password. A failure is recorded; the answer never says whether the
/// email exists.
pub async fn check_sign_in(
    db: &Db,
    clock: &dyn Clock,
    email: &str,
    password: &str,
    client: &str,
) -> Result<UserId, Error> {
    let email = email.trim().to_lowercase();
    let now = clock.now();
    let stored::FailureCounts { by_account, by_client } =
        stored::recent_failures(db, &email, client, now.minus(THROTTLE_WINDOW)).await?;
    if by_account >= MAX_FAILURES_PER_ACCOUNT || by_client >= MAX_FAILURES_PER_CLIENT {
        tracing::warn!(by_account, by_client, "sign-in throttled");
        return Err(Error::Throttled);
    }
    let row = stored::credentials(db, &email).await?;
    let ok = match &row {
        Some(stored::CredentialRow { password_hash: Some(hash), .. }) => verify_password(password, hash).await,
        _ => {
            // Spend the same effort for an unknown account, so timing does not tell.
            let _ = verify_password(password, DUMMY_HASH).await;
            false
        }
    };
    match row {
        Some(stored::CredentialRow { id, .. }) if ok => Ok(UserId(id)),
        _ => {
            record_failure(db, &email, client, now).await?;
            Err(Error::WrongCredentials)
        }
    }
}

/// A valid argon2id hash of a random string, verified against for unknown accounts.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$mWqtC6y6vO0mKp3cNfBvWJ4u4cJ2y3q4n3m2x2y1z0A";

async fn record_failure(db: &Db, email: &str, client: &str, now: Timestamp) -> Result<(), sqlx::Error> {
    let client: String = client.chars().take(64).collect();
    // Old failures are only history; keep the table small.
    stored::record_failure(db, email, &client, now, now.minus(THROTTLE_WINDOW * 60)).await
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
