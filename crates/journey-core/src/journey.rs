//! The journey as designed: its trigger (who enters, and when) and its nodes (what happens to
//! each contact), and the checks a definition must pass before it is published.
//!
//! Rules written here (the spec is silent on them):
//!
//! - A node's `next` (or a condition branch) may be empty: after a send or a wait that leads
//!   nowhere the membership is **completed**; a condition branch that leads nowhere means the
//!   contacts on it **exit** with reason `condition`.
//! - Every node must be reachable from the entry, ids are unique, and the graph is acyclic.
//! - Attribute tests compare text case-insensitively after trimming spaces; `exists` means
//!   present and not blank.
//! - Dataset and segment triggers need a schedule; event triggers must not have one.
//! - Sizes are bounded (nodes, text lengths), so a snapshot that carries the definition stays
//!   small (see [`MAX_NODES`], [`MAX_TEXT`]).
//!
//! ```
//! use journey_core::journey::*;
//! use journey_core::schedule::{Frequency, Schedule, ScheduleEnd};
//! use jiff::civil::{date, time};
//!
//! let def = JourneyDefinition {
//!     name: "Onboarding series".into(),
//!     time_zone: "Asia/Kolkata".into(),
//!     trigger: Trigger {
//!         source: TriggerSource::Dataset { dataset_id: DatasetId(7), name: "Signups".into() },
//!         audience: AudienceMode::NewUsers,
//!         schedule: Some(Schedule::Recurring {
//!             frequency: Frequency::Daily,
//!             time_of_day: time(14, 0, 0, 0),
//!             start_date: date(2026, 1, 1),
//!             end: ScheduleEnd::Never,
//!         }),
//!     },
//!     entry: NodeId::new("welcome"),
//!     nodes: vec![
//!         Node::new("welcome", NodeKind::Send {
//!             channel: Channel::Email,
//!             template: "welcome-v2".into(),
//!             next: Some(NodeId::new("wait")),
//!         }),
//!         Node::new("wait", NodeKind::Wait { minutes: 2 * 24 * 60, next: Some(NodeId::new("tips")) }),
//!         Node::new("tips", NodeKind::Send { channel: Channel::Push, template: "tips".into(), next: None }),
//!     ],
//! };
//! def.validate()?;
//! # Ok::<(), DefinitionError>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::schedule::{Schedule, ScheduleError};
use crate::zone::Zone;

/// A contact's attributes: name to text value.
pub type Attributes = BTreeMap<String, String>;

/// The most nodes a journey may have.
pub const MAX_NODES: usize = 200;
/// The longest name, label, template, attribute, value or event name, in bytes.
pub const MAX_TEXT: usize = 200;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A journey's id (serialized as a number).
    JourneyId
);
id_type!(
    /// A contact's id (serialized as a number).
    ContactId
);
id_type!(
    /// A data set's id (serialized as a number).
    DatasetId
);
id_type!(
    /// A saved segment's id (serialized as a number).
    SegmentId
);

/// A node's id within its journey (serialized as a string), e.g. `"welcome"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub String);

impl NodeId {
    /// A node id from text.
    pub fn new(id: impl Into<String>) -> NodeId {
        NodeId(id.into())
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A journey as designed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JourneyDefinition {
    /// The journey's name.
    pub name: String,
    /// The IANA time zone its schedule is in, e.g. `Asia/Kolkata`.
    pub time_zone: String,
    /// Who enters, and when.
    pub trigger: Trigger,
    /// The first node after the trigger.
    pub entry: NodeId,
    /// The nodes, in any order.
    pub nodes: Vec<Node>,
}

/// The entry of a journey: who enters and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Where the contacts come from.
    pub source: TriggerSource,
    /// New or all audience members at each run.
    pub audience: AudienceMode,
    /// When the audience runs (dataset and segment triggers; none for events).
    #[serde(default)]
    pub schedule: Option<Schedule>,
}

/// The kind of trigger, without its settings (for lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    /// A data set.
    Dataset,
    /// A segment.
    Segment,
    /// An event.
    Event,
}

impl TriggerKind {
    /// "Data set", "Segment" or "Event".
    pub fn label(self) -> &'static str {
        match self {
            TriggerKind::Dataset => "Data set",
            TriggerKind::Segment => "Segment",
            TriggerKind::Event => "Event",
        }
    }
}

/// Where a trigger's contacts come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TriggerSource {
    /// A named list of contacts, evaluated at every scheduled run.
    Dataset {
        /// The data set's id.
        dataset_id: DatasetId,
        /// Its name, for display.
        name: String,
    },
    /// A rule over contact attributes, evaluated at every scheduled run.
    Segment {
        /// A saved segment's id, if it is one.
        #[serde(default)]
        segment_id: Option<SegmentId>,
        /// Its name, for display.
        name: String,
        /// The rule.
        rule: SegmentRule,
    },
    /// A contact enters when an event of this name arrives for it.
    Event {
        /// The event's name.
        event_name: String,
    },
}

impl TriggerSource {
    /// The kind of trigger.
    pub fn kind(&self) -> TriggerKind {
        match self {
            TriggerSource::Dataset { .. } => TriggerKind::Dataset,
            TriggerSource::Segment { .. } => TriggerKind::Segment,
            TriggerSource::Event { .. } => TriggerKind::Event,
        }
    }
}

/// Which audience members enter at a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudienceMode {
    /// Only members that have not yet entered in the current generation.
    #[default]
    NewUsers,
    /// Every member at every run (a new iteration), except those still in flight.
    AllUsers,
}

impl AudienceMode {
    /// "new users" or "all users".
    pub fn label(self) -> &'static str {
        match self {
            AudienceMode::NewUsers => "new users",
            AudienceMode::AllUsers => "all users",
        }
    }
}

/// A segment: contacts whose attributes pass every test (no test: every contact).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRule {
    /// The tests, all of which must pass.
    pub all: Vec<AttributeTest>,
}

impl SegmentRule {
    /// Whether a contact with these attributes is in the segment.
    ///
    /// ```
    /// use journey_core::journey::{Attributes, AttributeTest, SegmentRule};
    /// let rule = SegmentRule { all: vec![
    ///     AttributeTest::Equals { attribute: "plan".into(), value: "Pro".into() },
    ///     AttributeTest::Exists { attribute: "email".into() },
    /// ]};
    /// let mut a = Attributes::new();
    /// a.insert("plan".into(), " pro ".into());
    /// assert!(!rule.matches(&a));
    /// a.insert("email".into(), "a@example.com".into());
    /// assert!(rule.matches(&a));
    /// ```
    pub fn matches(&self, attributes: &Attributes) -> bool {
        self.all.iter().all(|t| t.matches(attributes))
    }
}

/// A test on one attribute. Text is compared case-insensitively, ignoring surrounding spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum AttributeTest {
    /// The attribute equals the value.
    Equals {
        /// The attribute's name.
        attribute: String,
        /// The value.
        value: String,
    },
    /// The attribute contains the value.
    Contains {
        /// The attribute's name.
        attribute: String,
        /// The value.
        value: String,
    },
    /// The attribute is present and not blank.
    Exists {
        /// The attribute's name.
        attribute: String,
    },
}

impl AttributeTest {
    /// The attribute's name.
    pub fn attribute(&self) -> &str {
        match self {
            AttributeTest::Equals { attribute, .. }
            | AttributeTest::Contains { attribute, .. }
            | AttributeTest::Exists { attribute } => attribute,
        }
    }

    /// Whether the attributes pass the test.
    ///
    /// ```
    /// use journey_core::journey::{Attributes, AttributeTest};
    /// let mut a = Attributes::new();
    /// a.insert("city".into(), "New Delhi".into());
    /// let t = AttributeTest::Contains { attribute: "city".into(), value: "delhi".into() };
    /// assert!(t.matches(&a));
    /// assert!(!AttributeTest::Exists { attribute: "phone".into() }.matches(&a));
    /// ```
    pub fn matches(&self, attributes: &Attributes) -> bool {
        let Some(found) = attributes.get(self.attribute()) else { return false };
        let found = found.trim().to_lowercase();
        match self {
            AttributeTest::Equals { value, .. } => found == value.trim().to_lowercase(),
            AttributeTest::Contains { value, .. } => found.contains(&value.trim().to_lowercase()),
            AttributeTest::Exists { .. } => !found.is_empty(),
        }
    }
}

/// One step of a journey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Its id, unique in the journey.
    pub id: NodeId,
    /// A label for the diagram.
    #[serde(default)]
    pub label: Option<String>,
    /// What it does.
    pub kind: NodeKind,
    /// The stale-message guard of a send step: its message is not sent if it would go out
    /// more than this many minutes late (1 to [`MAX_STALE_MINUTES`]); see
    /// [`crate::release::stale_skip`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_after_minutes: Option<u32>,
}

/// The longest stale-message guard: 7 days.
pub const MAX_STALE_MINUTES: u32 = 7 * 24 * 60;

impl Node {
    /// A node without a label.
    pub fn new(id: impl Into<String>, kind: NodeKind) -> Node {
        Node { id: NodeId::new(id), label: None, kind, stale_after_minutes: None }
    }

    /// The nodes this one leads to.
    pub fn successors(&self) -> Vec<&NodeId> {
        match &self.kind {
            NodeKind::Send { next, .. } | NodeKind::Wait { next, .. } => next.iter().collect(),
            NodeKind::Condition { yes, no, .. } => yes.iter().chain(no.iter()).collect(),
            NodeKind::Exit => Vec::new(),
        }
    }
}

/// A message channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Email.
    Email,
    /// SMS.
    Sms,
    /// Mobile push.
    Push,
    /// WhatsApp.
    Whatsapp,
}

impl Channel {
    /// "Email", "SMS", "Push" or "WhatsApp".
    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Email",
            Channel::Sms => "SMS",
            Channel::Push => "Push",
            Channel::Whatsapp => "WhatsApp",
        }
    }
}

/// What a node does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum NodeKind {
    /// Sends one message, then moves on (none: the membership completes).
    Send {
        /// The channel.
        channel: Channel,
        /// The template's name.
        template: String,
        /// The next node.
        #[serde(default)]
        next: Option<NodeId>,
    },
    /// Waits a number of minutes, then moves on (none: the membership completes).
    Wait {
        /// How long, from 1 minute to [`MAX_WAIT_MINUTES`].
        minutes: u32,
        /// The next node.
        #[serde(default)]
        next: Option<NodeId>,
    },
    /// A yes/no split (an empty branch: the contact exits with reason `condition`).
    Condition {
        /// The test.
        condition: Condition,
        /// Where contacts that pass go.
        #[serde(default)]
        yes: Option<NodeId>,
        /// Where the others go.
        #[serde(default)]
        no: Option<NodeId>,
    },
    /// The contact leaves the journey.
    #[serde(deserialize_with = "no_fields")]
    Exit,
}

/// Deserializes a unit variant of an internally tagged enum strictly: serde ignores the other
/// fields of a unit variant even under `deny_unknown_fields`, so `{"type": "exit", "x": 1}`
/// would pass. Used as `#[serde(deserialize_with = "no_fields")]` on such variants.
pub(crate) fn no_fields<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NoFields {}
    NoFields::deserialize(deserializer).map(|NoFields {}| ())
}

/// The longest wait: one year.
pub const MAX_WAIT_MINUTES: u32 = 366 * 24 * 60;

/// A wait's duration in words, as the console and the summary's change lines write it.
///
/// ```
/// use journey_core::journey::duration_words;
/// assert_eq!(duration_words(2 * 24 * 60), "2 days");
/// assert_eq!(duration_words(24 * 60 + 4 * 60), "1 day 4 hours");
/// assert_eq!(duration_words(90), "1 hour 30 minutes");
/// assert_eq!(duration_words(0), "0 minutes");
/// ```
pub fn duration_words(minutes: u32) -> String {
    let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let part = |n: u32, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{} {many}", crate::plan::format_count(u64::from(n)))),
    };
    let parts: Vec<String> =
        [part(d, "day", "days"), part(h, "hour", "hours"), part(m, "minute", "minutes")].into_iter().flatten().collect();
    if parts.is_empty() { "0 minutes".to_string() } else { parts.join(" ") }
}

/// The test of a condition node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// An attribute test.
    Attribute {
        /// The test.
        test: AttributeTest,
    },
    /// Whether the contact did an event since it entered this membership.
    DidEvent {
        /// The event's name.
        event_name: String,
    },
}

/// The first problem found in a definition, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// The name is blank.
    #[error("The journey needs a name.")]
    EmptyName,
    /// Some text is too long.
    #[error("The {what} is too long (at most {max} characters).", max = MAX_TEXT)]
    TooLong {
        /// What it is, e.g. "journey name".
        what: String,
    },
    /// Some text holds a control character (a line break, a tab, an escape code).
    #[error("The {what} contains a control character (such as a line break); remove it.")]
    ControlCharacter {
        /// What it is.
        what: String,
    },
    /// Some required text is blank.
    #[error("The {what} must not be empty.")]
    Blank {
        /// What it is.
        what: String,
    },
    /// Too many nodes.
    #[error("A journey can have at most {max} nodes (this one has {0}).", max = MAX_NODES)]
    TooManyNodes(usize),
    /// The journey has no node.
    #[error("The journey needs at least one step after the trigger.")]
    NoNodes,
    /// Two nodes share an id.
    #[error("Two steps have the same id \"{0}\".")]
    DuplicateNode(NodeId),
    /// A reference to a node that does not exist.
    #[error("{} leads to \"{to}\", which does not exist.", referrer(from))]
    UnknownNode {
        /// The referring node's id, or "trigger" for the entry.
        from: String,
        /// The missing node.
        to: NodeId,
    },
    /// A cycle in the graph.
    #[error("The journey loops back to step \"{0}\"; a journey must not contain a loop.")]
    Cycle(NodeId),
    /// A node the entry does not lead to.
    #[error("Step \"{0}\" cannot be reached from the trigger.")]
    Unreachable(NodeId),
    /// A dataset or segment trigger without a schedule.
    #[error("A {0} trigger needs a schedule.")]
    MissingSchedule(String),
    /// An event trigger with a schedule.
    #[error("An event trigger runs on each event and cannot have a schedule.")]
    ScheduleOnEventTrigger,
    /// The schedule is invalid.
    #[error("{0}")]
    Schedule(#[from] ScheduleError),
    /// A wait of 0 minutes or more than a year.
    #[error("Step \"{0}\" must wait between 1 minute and 366 days.")]
    InvalidWait(NodeId),
    /// A stale-message guard on a step that sends nothing, or out of range.
    #[error("Only a message step can skip late messages, after 1 minute to 7 days late (step \"{0}\").")]
    InvalidStaleGuard(NodeId),
    /// The zone is empty, or (from [`JourneyDefinition::validate_with_zone`]) not the given one.
    #[error("\"{0}\" is not a known IANA time zone.")]
    UnknownZone(String),
}

impl JourneyDefinition {
    /// The node with this id.
    pub fn node(&self, id: &NodeId) -> Option<&Node> {
        self.nodes.iter().find(|n| &n.id == id)
    }

    /// A step's name for people: its label, else what it does ("Send Email “welcome”",
    /// "Wait 2 days"); a step the definition lacks, its id.
    pub fn step_name(&self, id: &NodeId) -> String {
        match self.node(id) {
            Some(node) => node.label.clone().unwrap_or_else(|| match &node.kind {
                NodeKind::Send { channel, template, .. } => format!("Send {} “{}”", channel.label(), template),
                NodeKind::Wait { minutes, .. } => format!("Wait {}", duration_words(*minutes)),
                NodeKind::Condition { .. } => "Condition".to_string(),
                NodeKind::Exit => "Exit".to_string(),
            }),
            None => id.to_string(),
        }
    }

    /// Checks the definition; the first problem, in words. Whether `time_zone` is a real IANA
    /// zone needs a database: the caller builds a [`Zone`] and calls
    /// [`JourneyDefinition::validate_with_zone`].
    ///
    /// ```
    /// use journey_core::journey::*;
    /// let def = JourneyDefinition {
    ///     name: "Cart".into(),
    ///     time_zone: "UTC".into(),
    ///     trigger: Trigger {
    ///         source: TriggerSource::Event { event_name: "cart_abandoned".into() },
    ///         audience: AudienceMode::AllUsers,
    ///         schedule: None,
    ///     },
    ///     entry: NodeId::new("a"),
    ///     nodes: vec![Node::new("a", NodeKind::Wait { minutes: 60, next: Some(NodeId::new("b")) })],
    /// };
    /// assert_eq!(def.validate().unwrap_err().to_string(), "Step \"a\" leads to \"b\", which does not exist.");
    /// ```
    pub fn validate(&self) -> Result<(), DefinitionError> {
        check_text("journey name", &self.name)?;
        check_text("time zone", &self.time_zone)?;
        match (&self.trigger.source, &self.trigger.schedule) {
            (TriggerSource::Event { event_name }, schedule) => {
                check_text("event name", event_name)?;
                if schedule.is_some() {
                    return Err(DefinitionError::ScheduleOnEventTrigger);
                }
            }
            (source, None) => {
                return Err(DefinitionError::MissingSchedule(source.kind().label().to_lowercase()));
            }
            (source, Some(schedule)) => {
                match source {
                    TriggerSource::Dataset { name, .. } => check_text("data set name", name)?,
                    TriggerSource::Segment { name, rule, .. } => {
                        check_text("segment name", name)?;
                        for t in &rule.all {
                            check_test(t)?;
                        }
                    }
                    TriggerSource::Event { .. } => {}
                }
                schedule.validate()?;
            }
        }
        if self.nodes.is_empty() {
            return Err(DefinitionError::NoNodes);
        }
        if self.nodes.len() > MAX_NODES {
            return Err(DefinitionError::TooManyNodes(self.nodes.len()));
        }
        let mut index: HashMap<&NodeId, usize> = HashMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            check_text("step id", &node.id.0)?;
            if let Some(label) = &node.label {
                check_plain_text("step label", label)?;
            }
            if index.insert(&node.id, i).is_some() {
                return Err(DefinitionError::DuplicateNode(node.id.clone()));
            }
            match &node.kind {
                NodeKind::Send { template, .. } => check_text("template name", template)?,
                NodeKind::Wait { minutes, .. } => {
                    if !(1..=MAX_WAIT_MINUTES).contains(minutes) {
                        return Err(DefinitionError::InvalidWait(node.id.clone()));
                    }
                }
                NodeKind::Condition { condition: Condition::Attribute { test }, .. } => check_test(test)?,
                NodeKind::Condition { condition: Condition::DidEvent { event_name }, .. } => {
                    check_text("event name", event_name)?
                }
                NodeKind::Exit => {}
            }
            if let Some(minutes) = node.stale_after_minutes
                && (!matches!(node.kind, NodeKind::Send { .. }) || !(1..=MAX_STALE_MINUTES).contains(&minutes))
            {
                return Err(DefinitionError::InvalidStaleGuard(node.id.clone()));
            }
        }
        if !index.contains_key(&self.entry) {
            return Err(DefinitionError::UnknownNode { from: "trigger".into(), to: self.entry.clone() });
        }
        for node in &self.nodes {
            for next in node.successors() {
                if !index.contains_key(next) {
                    return Err(DefinitionError::UnknownNode { from: node.id.0.clone(), to: next.clone() });
                }
            }
        }
        // Depth-first search from the entry: a back edge is a cycle; unvisited nodes are
        // unreachable. Iterative, so a long chain cannot overflow the stack.
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut mark = vec![Mark::New; self.nodes.len()];
        let start = index[&self.entry];
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = Mark::Open;
        while let Some((i, child)) = stack.pop() {
            let succ = self.nodes[i].successors();
            if let Some(next) = succ.get(child) {
                stack.push((i, child + 1));
                let j = index[next];
                match mark[j] {
                    Mark::Open => return Err(DefinitionError::Cycle((*next).clone())),
                    Mark::New => {
                        mark[j] = Mark::Open;
                        stack.push((j, 0));
                    }
                    Mark::Done => {}
                }
            } else {
                mark[i] = Mark::Done;
            }
        }
        if let Some(i) = mark.iter().position(|m| *m != Mark::Done) {
            return Err(DefinitionError::Unreachable(self.nodes[i].id.clone()));
        }
        Ok(())
    }

    /// [`JourneyDefinition::validate`], plus: the zone is the journey's zone (the caller built
    /// it from a database; names compare case-insensitively).
    pub fn validate_with_zone(&self, zone: &Zone) -> Result<(), DefinitionError> {
        self.validate()?;
        if !zone.name().eq_ignore_ascii_case(self.time_zone.trim()) {
            return Err(DefinitionError::UnknownZone(self.time_zone.clone()));
        }
        Ok(())
    }

    /// The schedule in words ("Every day at 14:00"), "On each event" for event triggers, or
    /// "No schedule".
    pub fn schedule_text(&self) -> String {
        match (&self.trigger.source, &self.trigger.schedule) {
            (TriggerSource::Event { .. }, _) => "On each event".to_string(),
            (_, Some(s)) => s.describe(),
            (_, None) => "No schedule".to_string(),
        }
    }
}

fn referrer(from: &str) -> String {
    if from == "trigger" { "The trigger".to_string() } else { format!("Step \"{from}\"") }
}

/// The rule for every text a person or a system gives the product (names, labels, templates,
/// emails): at most [`MAX_TEXT`] characters (not bytes), and no control character, so a line
/// break or an escape code cannot reach a log line or a screen as itself.
///
/// ```
/// use journey_core::journey::{DefinitionError, check_plain_text};
/// assert!(check_plain_text("journey name", &"é".repeat(200)).is_ok()); // 200 characters, 400 bytes
/// assert!(matches!(check_plain_text("journey name", &"é".repeat(201)), Err(DefinitionError::TooLong { .. })));
/// let err = check_plain_text("journey name", "Spring\nsale").unwrap_err();
/// assert_eq!(err.to_string(), "The journey name contains a control character (such as a line break); remove it.");
/// ```
pub fn check_plain_text(what: &str, text: &str) -> Result<(), DefinitionError> {
    if text.chars().count() > MAX_TEXT {
        return Err(DefinitionError::TooLong { what: what.to_string() });
    }
    if text.chars().any(char::is_control) {
        return Err(DefinitionError::ControlCharacter { what: what.to_string() });
    }
    Ok(())
}

fn check_text(what: &str, text: &str) -> Result<(), DefinitionError> {
    if text.trim().is_empty() {
        return Err(if what == "journey name" {
            DefinitionError::EmptyName
        } else {
            DefinitionError::Blank { what: what.to_string() }
        });
    }
    check_plain_text(what, text)
}

fn check_test(test: &AttributeTest) -> Result<(), DefinitionError> {
    check_text("attribute name", test.attribute())?;
    match test {
        AttributeTest::Equals { value, .. } | AttributeTest::Contains { value, .. } => check_plain_text("attribute value", value),
        AttributeTest::Exists { .. } => Ok(()),
    }
}
