//! Accounts on both databases: users with argon2id hashes (never the password in clear),
//! grants with tenant entitlements and revocation, and the sign-in throttle.

use super::harness::{T0, TestDb};
use app::api::ApiError;
use app::domain::access::{Role, TenantScope};
use app::services::Error;
use app::services::accounts::{add_user, check_sign_in, grant, revoke, set_password};
use app::services::principal;
use std::time::Duration;

const PASSWORD: &str = "a long demo password";

pub(crate) async fn passwords_are_stored_only_as_argon2id_hashes(t: &TestDb) {
    let user =
        add_user(&t.state.db, &t.clock, " New.Person@Acme.example ", "New Person", Some(PASSWORD)).await.unwrap();
    let (email, hash): (String, Option<String>) =
        sqlx::query_as("SELECT email, password_hash FROM users WHERE id = $1")
            .bind(user.get())
            .fetch_one(t.state.db.pool())
            .await
            .unwrap();
    assert_eq!(email, "new.person@acme.example");
    let hash = hash.expect("a hash");
    assert!(hash.starts_with("$argon2id$") && !hash.contains(PASSWORD), "{hash}");
    let everything: Vec<(String, String)> = sqlx::query_as("SELECT email, COALESCE(password_hash, '') FROM users")
        .fetch_all(t.state.db.pool())
        .await
        .unwrap();
    assert!(everything.iter().all(|(_, h)| !h.contains(PASSWORD)));
    assert_eq!(check_sign_in(&t.state.db, &t.clock, "NEW.person@acme.example", PASSWORD, "c1").await.ok(), Some(user));
    let wrong = check_sign_in(&t.state.db, &t.clock, "new.person@acme.example", "not the password", "c1").await;
    assert!(matches!(wrong, Err(Error::WrongCredentials)));
    let unknown = check_sign_in(&t.state.db, &t.clock, "nobody@acme.example", PASSWORD, "c1").await;
    assert!(
        matches!(unknown, Err(Error::WrongCredentials)),
        "an unknown account reads exactly like a wrong password: {unknown:?}"
    );
    set_password(&t.state.db, "new.person@acme.example", "another long password").await.unwrap();
    assert!(check_sign_in(&t.state.db, &t.clock, "new.person@acme.example", PASSWORD, "c2").await.is_err());
    assert!(
        check_sign_in(&t.state.db, &t.clock, "new.person@acme.example", "another long password", "c2").await.is_ok()
    );
    let short = add_user(&t.state.db, &t.clock, "x@acme.example", "X", Some("short")).await;
    assert_eq!(
        short.err().map(|e| ApiError::from(e).message().to_owned()),
        Some("A password needs at least 12 characters.".to_owned())
    );
}

pub(crate) async fn twenty_wrong_passwords_are_throttled_and_the_right_one_works_after_the_window(t: &TestDb) {
    add_user(&t.state.db, &t.clock, "target@acme.example", "Target", Some(PASSWORD)).await.unwrap();
    let mut throttled = 0;
    for i in 0..20 {
        t.clock.advance(Duration::from_secs(2));
        match check_sign_in(&t.state.db, &t.clock, "target@acme.example", "guess guess guess", &format!("c{i}")).await {
            Err(Error::Throttled) => throttled += 1,
            Err(Error::WrongCredentials) => {}
            other => panic!("attempt {i}: {other:?}"),
        }
    }
    assert_eq!(throttled, 10, "after ten failures in a minute the account is throttled");
    let during = check_sign_in(&t.state.db, &t.clock, "target@acme.example", PASSWORD, "c-right").await;
    assert!(matches!(during, Err(Error::Throttled)), "even the right password waits out the window");
    assert_eq!(
        during.err().map(|e| ApiError::from(e).message().to_owned()),
        Some("Too many sign-in attempts. Wait a minute, then try again.".to_owned())
    );
    t.clock.advance(Duration::from_secs(61));
    assert!(check_sign_in(&t.state.db, &t.clock, "target@acme.example", PASSWORD, "c-right").await.is_ok());
}

pub(crate) async fn grants_set_role_and_tenant_entitlement_and_revoke_removes_them(t: &TestDb) {
    let second = server::seed::ensure_tenant(&t.state.db, t.ws, "t2", "Tenant Two", T0).await.unwrap();
    let user = add_user(&t.state.db, &t.clock, "member@acme.example", "Member", None).await.unwrap();
    grant(&t.state.db, "member@acme.example", "acme", "reader", Some(&["t2".to_owned()])).await.unwrap();
    let p = principal::load(&t.state.db, user, t.ws).await.unwrap().expect("member");
    assert_eq!((p.role, p.tenants.clone()), (Role::Reader, TenantScope::Only(vec![second])));
    grant(&t.state.db, "member@acme.example", "acme", "manager", None).await.unwrap();
    let p = principal::load(&t.state.db, user, t.ws).await.unwrap().expect("member");
    assert_eq!((p.role, p.tenants), (Role::Manager, TenantScope::All));
    for (email, ws, role, tenants, says) in [
        ("member@acme.example", "acme", "admin", None, "is not a role"),
        ("member@acme.example", "nowhere", "reader", None, "no workspace"),
        ("nobody@acme.example", "acme", "reader", None, "no user"),
        ("member@acme.example", "acme", "reader", Some(vec!["t9".to_owned()]), "no tenant"),
        ("member@acme.example", "acme", "reader", Some(vec![]), "at least one tenant"),
    ] {
        let err = grant(&t.state.db, email, ws, role, tenants.as_deref())
            .await
            .err()
            .map(|e| ApiError::from(e).message().to_owned());
        assert!(err.as_deref().is_some_and(|e| e.contains(says)), "{email} {ws} {role}: {err:?}");
    }
    revoke(&t.state.db, "member@acme.example", "acme").await.unwrap();
    assert_eq!(principal::load(&t.state.db, user, t.ws).await.unwrap(), None);
    assert!(revoke(&t.state.db, "member@acme.example", "acme").await.is_err());
}
