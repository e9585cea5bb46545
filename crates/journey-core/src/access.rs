//! Who may do what: the three roles, and the sentence a person reads when their role is not
//! enough. The server decides with [`Role::may`]; the console uses the same function to
//! disable what the signed-in person may not use, with the same sentence.
//!
//! Roles are ordered: each may do everything the one before it may.
//!
//! | role | may |
//! | --- | --- |
//! | viewer | read everything |
//! | operator | also create, publish, pause, stop and activate journeys; feed contacts, data sets and events; retry deliveries |
//! | admin | also manage people and API tokens |
//!
//! ```
//! use journey_core::access::Role;
//!
//! assert!(Role::Operator.may(Role::Viewer));
//! assert!(!Role::Viewer.may(Role::Operator));
//! assert_eq!(Role::Operator.needed_sentence(), "Only operators and admins may do this.");
//! assert_eq!("admin".parse(), Ok(Role::Admin));
//! ```

use serde::{Deserialize, Serialize};

/// A person's role. `Viewer < Operator < Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Publishes, pauses, stops and activates journeys; feeds the audience.
    Operator,
    /// An operator who also manages people and API tokens.
    Admin,
}

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Admin];

    /// Whether this role may use what `needed` may.
    pub fn may(self, needed: Role) -> bool {
        self >= needed
    }

    /// Who may use what needs this role, as a sentence (the 403's message and the console's
    /// note beside a disabled button).
    pub fn needed_sentence(self) -> &'static str {
        match self {
            Role::Viewer => "Anyone signed in may do this.",
            Role::Operator => "Only operators and admins may do this.",
            Role::Admin => "Only admins may do this.",
        }
    }

    /// The role's name with its article, for sentences ("a viewer", "an operator").
    pub fn with_article(self) -> &'static str {
        match self {
            Role::Viewer => "a viewer",
            Role::Operator => "an operator",
            Role::Admin => "an admin",
        }
    }
}

/// The header the console sends with every request that changes something. A page on another
/// site cannot send it without the server's consent (it makes the browser ask first, and the
/// server never consents), so a cookie-authenticated change carrying it came from the console.
pub const CONSOLE_HEADER: &str = "x-journey-console";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_do_what_the_roles_before_it_may() {
        for (i, role) in Role::ALL.iter().enumerate() {
            for (j, needed) in Role::ALL.iter().enumerate() {
                assert_eq!(role.may(*needed), i >= j, "{role:?} for {needed:?}");
            }
        }
    }

    #[test]
    fn the_sentence_names_who_may() {
        assert_eq!(Role::Admin.needed_sentence(), "Only admins may do this.");
        assert_eq!(Role::Viewer.with_article(), "a viewer");
        assert_eq!(Role::Operator.with_article(), "an operator");
    }
}
