//! The one text spelling of each plain enum: how the API, the database, URLs and logs write
//! it. Serde's `rename_all = "snake_case"` spells the same words on the wire; a test below
//! holds the two together, so a new variant cannot be spelled two ways.
//!
//! ```
//! use journey_core::plan::ActivationMode;
//! use journey_core::state::JourneyState;
//!
//! assert_eq!(JourneyState::Paused.as_str(), "paused");
//! assert_eq!("extend_by_pause".parse(), Ok(journey_core::plan::WaitHandling::ExtendByPause));
//! assert_eq!("resume".parse::<ActivationMode>(), Ok(ActivationMode::Resume));
//! assert!("Resume".parse::<ActivationMode>().is_err()); // exact spelling only
//! ```

/// A text that names no variant of the enum it was parsed as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{text}\" is not a known {what}")]
pub struct UnknownSpelling {
    /// What was being read ("journey state", ...).
    pub what: &'static str,
    /// The text, cut to 40 characters.
    pub text: String,
}

/// Gives an enum `as_str`, `SPELLINGS` and `FromStr` from one table.
macro_rules! spelled {
    ($ty:ty, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant with its spelling, in declaration order.
            pub const SPELLINGS: &'static [($ty, &'static str)] = &[$((<$ty>::$variant, $text)),+];

            /// The spelling used by the API, the database and URLs (snake_case).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(<$ty>::$variant => $text),+
                }
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::spelling::UnknownSpelling;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok(<$ty>::$variant),)+
                    _ => Err($crate::spelling::UnknownSpelling { what: $what, text: text.chars().take(40).collect() }),
                }
            }
        }
    };
}

spelled!(crate::state::JourneyState, "journey state", {
    Draft => "draft", Scheduled => "scheduled", Active => "active",
    Paused => "paused", Stopped => "stopped", Completed => "completed",
});
spelled!(crate::plan::ActivationMode, "activation mode", { Resume => "resume", Restart => "restart" });
spelled!(crate::plan::WaitHandling, "wait handling", {
    KeepDeadlines => "keep_deadlines", ExtendByPause => "extend_by_pause",
});
spelled!(crate::journey::TriggerKind, "trigger kind", { Dataset => "dataset", Segment => "segment", Event => "event" });
spelled!(crate::journey::AudienceMode, "audience mode", { NewUsers => "new_users", AllUsers => "all_users" });
spelled!(crate::journey::Channel, "channel", { Email => "email", Sms => "sms", Push => "push", Whatsapp => "whatsapp" });
spelled!(crate::api::PendingStatus, "waiting activation status", {
    Scheduled => "scheduled", AwaitingApproval => "awaiting_approval", Held => "held",
});
spelled!(crate::access::Role, "role", { Viewer => "viewer", Operator => "operator", Admin => "admin" });
spelled!(crate::membership::ExitReason, "exit reason", {
    Restarted => "restarted", Condition => "condition", Unsubscribed => "unsubscribed",
    ExitNode => "exit_node", NodeMissing => "node_missing", NodeRemoved => "node_removed",
});

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// Serde's spelling of every variant equals `as_str`, and both read back.
    fn agrees<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug + Copy>(table: &[(T, &str)]) {
        for (value, text) in table {
            let json = serde_json::to_string(value).unwrap();
            assert_eq!(json, format!("\"{text}\""), "{value:?}");
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *value);
        }
    }

    #[test]
    fn every_spelling_is_the_one_serde_writes() {
        use crate::journey::{AudienceMode, Channel, TriggerKind};
        use crate::membership::ExitReason;
        use crate::plan::{ActivationMode, WaitHandling};
        use crate::state::JourneyState;
        agrees(JourneyState::SPELLINGS);
        agrees(ActivationMode::SPELLINGS);
        agrees(crate::api::PendingStatus::SPELLINGS);
        agrees(WaitHandling::SPELLINGS);
        agrees(TriggerKind::SPELLINGS);
        agrees(AudienceMode::SPELLINGS);
        agrees(Channel::SPELLINGS);
        agrees(ExitReason::SPELLINGS);
        agrees(crate::access::Role::SPELLINGS);
        assert_eq!(JourneyState::SPELLINGS.len(), JourneyState::ALL.len());
    }

    #[test]
    fn an_unknown_spelling_is_an_error_that_names_what_was_read() {
        let err = "frozen".parse::<crate::state::JourneyState>().unwrap_err();
        assert_eq!(err.to_string(), "\"frozen\" is not a known journey state");
    }
}
