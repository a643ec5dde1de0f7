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
    assert_eq!(
        check_sign_in(&t.state.db, &t.clock, &t.state.hash_gate, "NEW.person@acme.example", PASSWORD, "c1").await.ok(),
        Some(user)
    );
    let wrong =
        check_sign_in(&t.state.db, &t.clock, &t.state.hash_gate, "new.person@acme.example", "not the password", "c1")
            .await;
    assert!(matches!(wrong, Err(Error::WrongCredentials)));
    let unknown = check_sign_in(&t.state.db, &t.clock, &t.state.hash_gate, "nobody@acme.example", PASSWORD, "c1").await;
    assert!(
        matches!(unknown, Err(Error::WrongCredentials)),
        "an unknown account reads exactly like a wrong password: {unknown:?}"
    );
    set_password(&t.state.db, "new.person@acme.example", "another long password").await.unwrap();
    assert!(
        check_sign_in(&t.state.db, &t.clock, &t.state.hash_gate, "new.person@acme.example", PASSWORD, "c2")
            .await
            .is_err()
    );
    assert!(
        check_sign_in(
            &t.state.db,
            &t.clock,
            &t.state.hash_gate,
            "new.person@acme.example",
            "another long password",
            "c2"
        )
        .await
        .is_ok()
    );
    let short = add_user(&t.state.db, &t.clock, "x@acme.example", "X", Some("short")).await;
    assert_eq!(
        short.err().map(|e| ApiError::from(e).message().to_owned()),
        Some("A password needs at least 12 characters.".to_owned())
    );
}

pub(crate) async fn a_guesser_is_slowed_ever_more_while_the_owner_signs_in_from_elsewhere(t: &TestDb) {
    use app::domain::throttle::{MAX_PER_CLIENT, MAX_PER_CLIENT_ACCOUNT};
    add_user(&t.state.db, &t.clock, "target@acme.example", "Target", Some(PASSWORD)).await.unwrap();
    let sign_in = |password: &'static str, client: &'static str| {
        check_sign_in(&t.state.db, &t.clock, &t.state.hash_gate, "target@acme.example", password, client)
    };
    let mut throttled = 0;
    for i in 0..20 {
        t.clock.advance(Duration::from_secs(2));
        match sign_in("guess guess guess", "10.0.0.66").await {
            Err(Error::Throttled) => throttled += 1,
            Err(Error::WrongCredentials) => {}
            other => panic!("attempt {i}: {other:?}"),
        }
    }
    assert_eq!(throttled, 20 - MAX_PER_CLIENT_ACCOUNT, "ten guesses a minute from one client, then a block");
    let during = sign_in(PASSWORD, "10.0.0.66").await;
    assert!(matches!(during, Err(Error::Throttled)), "the guesser's client waits, even with the right password");
    assert_eq!(
        during.err().map(|e| ApiError::from(e).message().to_owned()),
        Some("Too many sign-in attempts. Wait a minute, then try again.".to_owned())
    );
    // The owner, elsewhere, is not locked out by someone else's guessing.
    assert!(sign_in(PASSWORD, "192.0.2.10").await.is_ok());
    // The first block lasts a minute; the next, after ten more guesses, two.
    t.clock.advance(Duration::from_secs(61));
    for _ in 0..MAX_PER_CLIENT_ACCOUNT {
        assert!(matches!(sign_in("guess guess guess", "10.0.0.66").await, Err(Error::WrongCredentials)));
    }
    assert!(matches!(sign_in("guess guess guess", "10.0.0.66").await, Err(Error::Throttled)));
    t.clock.advance(Duration::from_secs(61));
    assert!(matches!(sign_in(PASSWORD, "10.0.0.66").await, Err(Error::Throttled)), "the second block is longer");
    t.clock.advance(Duration::from_secs(60));
    assert!(sign_in(PASSWORD, "10.0.0.66").await.is_ok());
    // One client guessing across many accounts meets the client's own limit.
    let mut answered = 0;
    for i in 0..(MAX_PER_CLIENT + 5) {
        let email = format!("nobody{i}@acme.example");
        match check_sign_in(&t.state.db, &t.clock, &t.state.hash_gate, &email, "guess guess guess", "10.0.0.77").await {
            Err(Error::WrongCredentials) => answered += 1,
            Err(Error::Throttled) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(answered, MAX_PER_CLIENT);
    // Signing in rightly never uses up a client's allowance: a whole office behind one address.
    t.clock.advance(Duration::from_secs(3600));
    for i in 0..(MAX_PER_CLIENT * 2) {
        assert!(sign_in(PASSWORD, "198.51.100.1").await.is_ok(), "sign-in {i} from the office");
    }
}

pub(crate) async fn two_hundred_parallel_wrong_passwords_are_checked_at_most_ten_times(t: &TestDb) {
    use app::domain::throttle::MAX_PER_CLIENT_ACCOUNT;
    add_user(&t.state.db, &t.clock, "target@acme.example", "Target", Some(PASSWORD)).await.unwrap();
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let state = t.state.clone();
        attempts.spawn(async move {
            let clock = state.clock.clone();
            check_sign_in(
                &state.db,
                clock.as_ref(),
                &state.hash_gate,
                "target@acme.example",
                "guess guess guess",
                "10.9.9.9",
            )
            .await
        });
    }
    let (mut wrong, mut throttled) = (0, 0);
    while let Some(done) = attempts.join_next().await {
        match done.unwrap() {
            Err(Error::WrongCredentials) => wrong += 1,
            Err(Error::Throttled) => throttled += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(wrong <= MAX_PER_CLIENT_ACCOUNT, "{wrong} passwords were checked");
    assert_eq!(wrong + throttled, 200);
}

pub(crate) async fn quiet_sign_in_counts_are_pruned_through_their_index(t: &TestDb) {
    use app::store::Backend;
    let sql = app::store::accounts::PRUNE_LIMITS.replace("$1", "0");
    let plan: Vec<String> = match t.state.db.backend() {
        Backend::Sqlite => {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(t.state.db.pool()).await.unwrap();
            rows.into_iter().map(|r| r.3).collect()
        }
        Backend::Postgres => {
            // A nearly empty table is cheapest to scan whole; the question is whether the
            // index can serve the delete at scale, so sequential scans are priced out.
            let mut tx = t.state.db.pool().begin().await.unwrap();
            sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await.unwrap();
            let plan = sqlx::query_scalar(&format!("EXPLAIN {sql}")).fetch_all(&mut *tx).await.unwrap();
            tx.rollback().await.unwrap();
            plan
        }
    };
    assert!(plan.iter().any(|l| l.contains("ix_sign_in_limits_seen_at")), "{plan:?}");
    // And it prunes what is quiet, only that.
    for (client, then) in [("c1", 3), ("c2", 1)] {
        let _ = check_sign_in(&t.state.db, &t.clock, &t.state.hash_gate, "a@acme.example", "guess guess guess", client)
            .await;
        t.clock.advance(Duration::from_secs(then * 3600));
    }
    let pruned =
        app::services::accounts::prune_sign_in_counts(&t.state.db, app::runtime::Clock::now(&t.clock)).await.unwrap();
    assert_eq!(pruned, 2, "the first attempt's two keys, quiet for four hours; not the second's, quiet for one");
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_limits").fetch_one(t.state.db.pool()).await.unwrap();
    assert_eq!(left, 2);
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
