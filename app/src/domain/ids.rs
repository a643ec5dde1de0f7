//! Typed identifiers, so a tenant id can never be passed where a run id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw database value.
            pub const fn get(self) -> i64 {
                self.0
            }

            /// Parses a positive decimal id (as it appears in a URL); anything else is `None`.
            pub fn parse(text: &str) -> Option<Self> {
                text.trim().parse::<i64>().ok().filter(|v| *v > 0).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// Identifies an operation run.
    RunId
);
id_type!(
    /// Identifies a workspace (an operator organisation).
    WorkspaceId
);
id_type!(
    /// Identifies a tenant (a managed customer environment).
    TenantId
);
id_type!(
    /// Identifies a user.
    UserId
);
id_type!(
    /// Identifies an API token.
    TokenId
);
id_type!(
    /// Identifies a webhook endpoint.
    EndpointId
);
id_type!(
    /// Identifies one event's delivery to one webhook endpoint.
    DeliveryId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_parses_from_a_positive_decimal_only() {
        assert_eq!(RunId::parse("42"), Some(RunId(42)));
        assert_eq!(RunId::parse(" 7 "), Some(RunId(7)));
        assert_eq!(RunId::parse("0"), None);
        assert_eq!(RunId::parse("-3"), None);
        assert_eq!(RunId::parse("4x"), None);
        assert_eq!(RunId::parse("99999999999999999999"), None);
    }
}
