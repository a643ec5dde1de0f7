//! A database an earlier version wrote opens with this one: the newer migrations apply over
//! real rows (not only an empty schema), and what people read from those rows reads as before.
#![expect(clippy::unwrap_used, reason = "tests fail loudly on setup errors")]

use app::domain::Timestamp;
use app::store::notifications::{Recipient, newest};
use app::store::{Db, DbOptions};
use std::path::Path;

const T0: Timestamp = Timestamp(1_795_000_000_000);

/// A folder holding the SQLite migrations numbered below `first_new`, as the earlier version
/// shipped them.
fn earlier_migrations(into: &Path, first_new: &str) {
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/sqlite");
    for entry in std::fs::read_dir(all).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_string_lossy().as_ref() < first_new {
            std::fs::copy(entry.path(), into.join(entry.file_name())).unwrap();
        }
    }
}

#[tokio::test]
async fn notifications_written_worded_keep_their_words_once_notifications_are_worded_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let earlier = dir.path().join("earlier");
    std::fs::create_dir(&earlier).unwrap();
    earlier_migrations(&earlier, "0022");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("opshub.db").display());
    let db = Db::connect(&DbOptions::new(url)).await.unwrap();
    sqlx::migrate::Migrator::new(earlier.as_path()).await.unwrap().run(db.pool()).await.unwrap();

    let ws = server::seed::ensure_workspace(&db, "acme", "Acme", T0).await.unwrap();
    let user = server::seed::ensure_user(&db, "op@acme.example", "Op", T0).await.unwrap();
    sqlx::query(
        "INSERT INTO notifications (user_id, workspace_id, run_id, kind, title, body, link, created_at, dedupe_key) \
         VALUES ($1, $2, NULL, 'run_terminal', 'Inventory sync finished', 'Everything completed successfully.', \
         '/admin/operations/7', $3, 'run-terminal:7')",
    )
    .bind(user.get())
    .bind(ws.get())
    .bind(T0.millis())
    .execute(db.pool())
    .await
    .unwrap();

    db.migrate().await.unwrap();
    assert_eq!(db.pending_migrations().await.unwrap(), 0);
    let rows = newest(&db, &Recipient { user, workspace: ws, scope: None }, 10).await.unwrap();
    let row = rows.first().expect("the earlier notification is still there");
    assert_eq!(
        (row.title.as_deref(), row.body.as_deref(), row.link.as_deref(), row.read_at),
        (
            Some("Inventory sync finished"),
            Some("Everything completed successfully."),
            Some("/admin/operations/7"),
            None
        )
    );
    let unread: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE read_at IS NULL")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(unread, 1, "the unread index was rebuilt with the table");
}
