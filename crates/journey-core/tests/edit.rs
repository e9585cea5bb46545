//! The rules of editing a frozen journey (journey-core's `edit`), each with a vector: what a
//! diff lists, when a save is refused, what Resume and Restart then plan, and the summary's
//! change lines.

use journey_core::edit::{
    Change, Destination, EditError, NodeMove, PendingEdit, Revision, check_revision, describe, diff, wait_shifts,
};
use journey_core::journey::{AudienceMode, Channel, JourneyDefinition, NodeId, NodeKind};
use journey_core::plan::{ActivationMode, WaitHandling, plan_activation};
use journey_core::samples;
use journey_core::snapshot::{JourneySnapshot, NodeCount};

fn onboarding() -> JourneyDefinition {
    samples::onboarding("Asia/Kolkata", samples::daily_at_14())
}

fn kind_mut<'a>(def: &'a mut JourneyDefinition, id: &str) -> &'a mut NodeKind {
    &mut def.nodes.iter_mut().find(|n| n.id.as_str() == id).expect("node").kind
}

/// The onboarding journey without its push node (the condition's yes branch is empty).
fn without_push() -> JourneyDefinition {
    let mut def = onboarding();
    def.nodes.retain(|n| n.id.as_str() != "push");
    if let NodeKind::Condition { yes, .. } = kind_mut(&mut def, "opened") {
        *yes = None;
    }
    def
}

fn count(node: &str, count: u64) -> NodeCount {
    NodeCount { node: NodeId::new(node), count }
}

#[test]
fn a_definition_compared_with_itself_has_no_change() {
    assert!(diff(&onboarding(), &onboarding()).is_empty());
}

#[test]
fn the_diff_lists_each_kind_of_change_in_a_stable_order() {
    let before = onboarding();
    let mut after = without_push();
    after.name = "Onboarding v2".into();
    after.trigger.audience = AudienceMode::AllUsers;
    after.time_zone = "Europe/Berlin".into();
    if let NodeKind::Send { channel, template, .. } = kind_mut(&mut after, "welcome") {
        *channel = Channel::Whatsapp;
        *template = "welcome-v2".into();
    }
    if let NodeKind::Wait { minutes, .. } = kind_mut(&mut after, "wait") {
        *minutes = 60;
    }
    after.nodes.push(journey_core::journey::Node::new("bye", NodeKind::Exit));
    let kinds: Vec<&str> = diff(&before, &after)
        .iter()
        .map(|c| match c {
            Change::Renamed { .. } => "renamed",
            Change::AudienceChanged { .. } => "audience",
            Change::TimeZoneChanged { .. } => "zone",
            Change::ContentChanged { .. } => "content",
            Change::WaitChanged { .. } => "wait",
            Change::Rewired { .. } => "rewired",
            Change::NodeRemoved { .. } => "removed",
            Change::NodeAdded { .. } => "added",
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    // Journey fields first, then the old nodes in order (opened lost its yes), then additions.
    assert_eq!(kinds, ["renamed", "audience", "zone", "content", "wait", "rewired", "removed", "added"]);
}

#[test]
fn a_save_that_removes_a_node_holding_contacts_needs_a_move_naming_a_node_that_exists() {
    let live = [count("push", 1), count("wait", 100)];
    let mut revision = Revision::new(without_push());
    assert_eq!(check_revision(&revision, &live), Err(EditError::Unmapped { node: NodeId::new("push"), contacts: 1 }));
    assert_eq!(
        check_revision(&revision, &live).unwrap_err().to_string(),
        "The node \"push\" is removed but 1 contact stands there: choose where it goes (another node, or out of the journey)."
    );
    revision.moves = vec![NodeMove { from: NodeId::new("push"), to: Destination::Node { node: NodeId::new("gone") } }];
    assert_eq!(
        check_revision(&revision, &live),
        Err(EditError::UnknownDestination { from: NodeId::new("push"), to: NodeId::new("gone") })
    );
    revision.moves = vec![NodeMove { from: NodeId::new("push"), to: Destination::Node { node: NodeId::new("sms") } }];
    assert_eq!(check_revision(&revision, &live), Ok(()));
    revision.moves.push(NodeMove { from: NodeId::new("push"), to: Destination::Exit });
    assert_eq!(check_revision(&revision, &live), Err(EditError::MovedTwice { node: NodeId::new("push") }));
    revision.moves = vec![NodeMove { from: NodeId::new("wait"), to: Destination::Exit }];
    assert_eq!(check_revision(&revision, &[]), Err(EditError::NotRemoved { node: NodeId::new("wait") }));
}

#[test]
fn the_refusal_writes_large_counts_with_separators() {
    let err = check_revision(&Revision::new(without_push()), &[count("push", 2_468)]).unwrap_err();
    assert!(err.to_string().contains("but 2,468 contacts stand there: choose where they go"), "{err}");
}

#[test]
fn a_removed_node_nobody_stands_at_needs_no_move() {
    assert_eq!(check_revision(&Revision::new(without_push()), &[count("push", 0), count("wait", 3)]), Ok(()));
}

#[test]
fn an_invalid_new_definition_is_refused_with_the_definitions_own_sentence() {
    let mut def = onboarding();
    if let NodeKind::Wait { next, .. } = kind_mut(&mut def, "wait") {
        *next = Some(NodeId::new("nowhere"));
    }
    let err = check_revision(&Revision::new(def), &[]).unwrap_err();
    assert!(matches!(err, EditError::Invalid(_)), "{err:?}");
}

#[test]
fn new_wait_durations_move_deadlines_by_the_difference_only_when_asked() {
    let before = onboarding();
    let mut after = onboarding();
    if let NodeKind::Wait { minutes, .. } = kind_mut(&mut after, "wait") {
        *minutes = 3 * 24 * 60;
    }
    assert_eq!(wait_shifts(&before, &after, true), [(NodeId::new("wait"), 24 * 60)]);
    assert_eq!(wait_shifts(&before, &after, false), []);
    assert_eq!(wait_shifts(&before, &before, true), []);
}

/// The seed's paused journey (100 waiting, 5 at push) after a save that removes push.
fn edited_snapshot(to: Destination) -> JourneySnapshot {
    let mut s = samples::daily_kolkata_snapshot();
    let activated = s.definition.clone();
    s.definition = without_push();
    if let NodeKind::Send { template, .. } = kind_mut(&mut s.definition, "sms") {
        *template = "reminder-v2".into();
    }
    s.edit = Some(PendingEdit {
        activated_version: 1,
        saved_version: 2,
        activated,
        moves: vec![NodeMove { from: NodeId::new("push"), to }],
        apply_new_waits: false,
        sent: vec![count("welcome", 900), count("sms", 300)],
        other_choice_waits: Vec::new(),
    });
    s
}

#[test]
fn resume_counts_a_removed_nodes_contacts_where_their_move_sends_them() {
    let s = edited_snapshot(Destination::Node { node: NodeId::new("sms") });
    let plan = plan_activation(&s, s.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    assert_eq!((plan.continuing, plan.exited_by_edit), (105, 0));
    assert_eq!(plan.continuing_by_node, [count("wait", 100), count("sms", 5)]);

    let s = edited_snapshot(Destination::Exit);
    let plan = plan_activation(&s, s.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    assert_eq!((plan.continuing, plan.exited_by_edit), (100, 5));
    assert_eq!(plan.counts().exited_by_edit, 5);

    // Restart: everyone exits; the move does not matter.
    let plan = plan_activation(&s, s.taken_at, ActivationMode::Restart, WaitHandling::KeepDeadlines).unwrap();
    assert_eq!((plan.exited_by_restart, plan.exited_by_edit, plan.continuing), (105, 0, 0));
}

#[test]
fn the_summary_lists_each_change_with_its_contacts_for_the_chosen_mode() {
    let s = edited_snapshot(Destination::Node { node: NodeId::new("sms") });
    let resume = plan_activation(&s, s.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    let lines = describe(&s, &resume);
    let texts: Vec<(&str, u64)> = lines.iter().map(|l| (l.text.as_str(), l.contacts)).collect();
    assert_eq!(
        texts,
        [
            ("opened now leads elsewhere; contacts there follow the new path.", 0),
            ("push removed: the 5 contacts there move to sms.", 5),
            (
                "sms changed (now SMS \"reminder-v2\"): 300 contacts already received it and will not get the new version; whoever reaches it later gets the new one.",
                300
            ),
        ]
    );
    let restart = plan_activation(&s, s.taken_at, ActivationMode::Restart, WaitHandling::KeepDeadlines).unwrap();
    let lines = describe(&s, &restart);
    assert_eq!(lines[1].text, "push removed: the 5 contacts there leave with everyone else.");
    assert_eq!(
        (lines[2].text.as_str(), lines[2].contacts),
        ("sms changed (now SMS \"reminder-v2\"): the new generation gets the new version (1,000 enter).", 1_000)
    );
}

#[test]
fn without_a_saved_edit_the_summary_has_no_change_lines() {
    let s = samples::daily_kolkata_snapshot();
    let plan = plan_activation(&s, s.taken_at, ActivationMode::Resume, WaitHandling::KeepDeadlines).unwrap();
    assert!(describe(&s, &plan).is_empty());
}

#[test]
fn a_revision_reads_and_writes_the_api_spelling() {
    let json = r#"{"definition":DEF,"moves":[{"from":"push","to":{"kind":"exit"}},{"from":"x","to":{"kind":"node","node":"sms"}}],"apply_new_waits":true}"#
        .replace("DEF", &serde_json::to_string(&without_push()).unwrap());
    let revision: Revision = serde_json::from_str(&json).unwrap();
    assert_eq!(revision.moves[0].to, Destination::Exit);
    assert!(revision.apply_new_waits);
    assert_eq!(serde_json::to_string(&revision).unwrap(), json);
    // `exit` takes no other field.
    let bad = json.replace(r#"{"kind":"exit"}"#, r#"{"kind":"exit","node":"sms"}"#);
    assert!(serde_json::from_str::<Revision>(&bad).is_err());
}
