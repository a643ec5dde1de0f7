//! Why a request is refused, as typed values: which thing was not found, what conflicts,
//! which input is not acceptable. Services and the run types' input preparation decide
//! these; the API words them in the reader's language (one `match`, so a new reason does
//! not compile until every language words it). Pure values, shared by every room.

/// What was not found (or is out of the caller's scope).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Thing {
    /// A run.
    Operation,
    /// A tenant.
    Tenant,
    /// A review.
    Review,
    /// A notification.
    Notification,
    /// A workspace the caller belongs to.
    Workspace,
    /// A baseline snapshot of the tenant.
    Snapshot,
    /// A ready or published review of the tenant, for a pack.
    ReviewForPack,
    /// A system-plane address the caller may not see.
    Page,
    /// A user, by email (account administration).
    User(String),
    /// A workspace, by slug (account administration).
    WorkspaceSlug(String),
    /// A tenant of a workspace, by slugs (account administration).
    TenantSlug {
        /// The tenant's slug.
        tenant: String,
        /// The workspace's slug.
        workspace: String,
    },
    /// An API token of the caller's workspace.
    Token,
    /// A webhook endpoint of the caller's workspace.
    Webhook,
    /// A delivery to one of the workspace's webhook endpoints.
    Delivery,
    /// A membership (account administration).
    Membership {
        /// The user's email.
        email: String,
        /// The workspace's slug.
        workspace: String,
    },
}

/// Why a request conflicts with the state it found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// Cancelling a run that has already finished.
    CancelTooLate,
    /// Running again a run that does not need follow-up.
    RetryNotOffered,
    /// Publishing a review that is not ready; its stored status.
    NotPublishable(String),
    /// Another review of the tenant was published at the same moment.
    PublishedMeanwhile,
    /// Identical starts kept racing a run that was completing; nothing was queued.
    CouldNotStart,
    /// A workspace run type asked for under a built-in type's key.
    BuiltInType,
    /// A report of work of a built-in type, which only Opshub's own workers run.
    OpshubRunsIt,
    /// A worker reporting on a run it does not hold: the run ended, the reconciler closed
    /// it, or another worker holds it.
    NotHeld,
}

/// Which input is not acceptable, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Invalid {
    /// The system list's workspace filter is not a workspace id.
    WorkspaceFilter,
    /// The list's tenant filter is not a tenant id.
    TenantFilter,
    /// The list's type filter names no run type.
    TypeFilter,
    /// The list's status filter is not a status.
    StatusFilter,
    /// The list's completion filter is not a time.
    SinceFilter,
    /// The list's outcome filter is not an outcome.
    OutcomeFilter,
    /// The list's problem filter is not a class.
    ClassFilter,
    /// A page cursor that does not parse.
    Page,
    /// Start: no (known) run type.
    ChooseOperation,
    /// Start: no (parsable) tenant.
    ChooseTenant,
    /// Start: a restore without a snapshot.
    ChooseSnapshot,
    /// Start: a snapshot for a type that takes none.
    SnapshotNotTaken,
    /// Start: a review for a type that takes none.
    ReviewNotTaken,
    /// Start: work that changes a tenant's configuration, not confirmed.
    ConfirmRestore,
    /// A language this version does not speak.
    Language,
    /// An email address that does not look like one.
    Email,
    /// A display name empty or too long.
    DisplayName,
    /// A password shorter than the minimum (the minimum).
    ShortPassword(usize),
    /// A role that does not exist (as given).
    Role(String),
    /// A grant limited to tenants that names none.
    NoTenantsNamed,
    /// An API token's name: empty, too long or with control characters.
    TokenName,
    /// An API token's grants: none, or one that does not exist.
    TokenGrants,
    /// An API token's expiry: not a number of days in the allowed range.
    TokenExpiry,
    /// A start's dedupe key: empty, too long (the longest allowed) or with control characters.
    DedupeKey(usize),
    /// A workspace run type's key of the wrong shape.
    TypeKey,
    /// A workspace run type's windows that do not make sense.
    TypeWindows,
    /// A webhook endpoint's address that Opshub will not send to.
    WebhookUrl,
    /// A webhook endpoint without (known) event types.
    WebhookEvents,
    /// An API request's body that is not a JSON object.
    Body,
    /// A field of an API request that is missing, of the wrong kind, or not a field at all
    /// (its name, cut to a few dozen characters).
    Field(String),
}
