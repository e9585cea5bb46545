//! A journey's delivery: how many of its messages are in each delivery state, and its dead
//! messages with why, each with Retry, and Retry all.

use crate::api::{self, ApiError};
use crate::components::remote::Remote;
use crate::format::{count, in_viewer_zone};
use crate::session::{RoleNote, refusal};
use journey_core::access::Role;
use journey_core::api::{DeadMessage, DeliveryResponse, DeliveryState};
use journey_core::journey::{JourneyId, NodeId};
use leptos::prelude::*;

/// What a Retry button asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryRequest {
    /// Every dead message of the journey.
    All,
    /// One message, by key.
    One(String),
}

/// What the last retry came to, said in a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryNotice {
    /// It worked: how many messages were queued again.
    Queued(String),
    /// It failed.
    Failed(String),
}

/// "3 messages queued again."
pub fn queued_again(n: u64) -> String {
    match n {
        0 => "No dead message was left to retry.".to_string(),
        1 => "1 message queued again.".to_string(),
        n => format!("{} messages queued again.", count(n)),
    }
}

/// The word for a delivery state.
pub fn state_label(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Queued => "Queued",
        DeliveryState::Delivering => "Delivering",
        DeliveryState::Retrying => "Retrying",
        DeliveryState::Delivered => "Delivered",
        DeliveryState::Dead => "Dead",
    }
}

/// The Delivery card of the journey page: loads the journey's delivery, retries, reloads.
#[component]
pub fn DeliveryCard(
    id: JourneyId,
    /// Step labels by node id, to name the step of a dead message.
    #[prop(optional)]
    steps: Vec<(NodeId, String)>,
) -> impl IntoView {
    let delivery = LocalResource::new(move || api::delivery(id));
    let notice = RwSignal::new(None::<RetryNotice>);
    let retry = Action::new_local(move |req: &RetryRequest| {
        let req = req.clone();
        async move {
            match req {
                RetryRequest::All => api::retry_journey_delivery(id).await.map(|r| r.requeued),
                RetryRequest::One(key) => api::retry_message(&key).await.map(|_| 1),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(result) = retry.value().get() {
            notice.set(Some(match result {
                Ok(n) => RetryNotice::Queued(queued_again(n)),
                Err(e) => RetryNotice::Failed(retry_failed(&e)),
            }));
            delivery.refetch();
        }
    });
    let on_retry = Callback::new(move |req: RetryRequest| {
        notice.set(None);
        retry.dispatch_local(req);
    });
    let busy = retry.pending();

    view! {
        <section class="card delivery-card" aria-labelledby="delivery-title" data-testid="delivery-card">
            <div class="card-head">
                <h2 class="card-title" id="delivery-title">"Delivery"</h2>
                <button type="button" class="btn btn-secondary btn-small" data-testid="delivery-refresh"
                    aria-label="Refresh the delivery"
                    on:click=move |_| { notice.set(None); delivery.refetch(); }>"Refresh"</button>
            </div>
            <div class="card-body">
                <div aria-live="polite">
                    {move || notice.get().map(|n| match n {
                        RetryNotice::Queued(text) => view! {
                            <div class="notice notice-ok" role="status" data-testid="delivery-notice">{text}</div>
                        }.into_any(),
                        RetryNotice::Failed(text) => view! {
                            <div class="notice" role="alert" data-testid="delivery-error">{text}</div>
                        }.into_any(),
                    })}
                </div>
                <Remote resource=delivery what="the delivery" skeleton_rows=3 children=move |d: DeliveryResponse| {
                    view! { <DeliveryPanel delivery=d on_retry busy steps=steps.clone()/> }
                }/>
            </div>
        </section>
    }
}

/// A failed retry as a sentence.
fn retry_failed(e: &ApiError) -> String {
    format!("Could not queue the messages again. {}: {}", e.title(), e.detail())
}

/// The counts and the dead messages of a loaded delivery (mountable alone).
#[component]
pub fn DeliveryPanel(
    delivery: DeliveryResponse,
    /// Called by Retry all and by each message's Retry.
    on_retry: Callback<RetryRequest>,
    /// True while a retry is in flight (the buttons are disabled).
    #[prop(optional, into)]
    busy: Signal<bool>,
    /// Step labels by node id.
    #[prop(optional)]
    steps: Vec<(NodeId, String)>,
) -> impl IntoView {
    let counts = delivery.counts;
    let dead_total = counts.dead;
    let shown = delivery.dead.len() as u64;
    let more = delivery.next_after.is_some() || dead_total > shown;
    // Retrying sends messages: operators and admins only.
    let refused = refusal(Role::Operator);
    let busy = Signal::derive(move || busy.get() || refused.with(Option::is_some));
    view! {
        <dl class="delivery-counts" data-testid="delivery-counts">
            {DeliveryState::ALL.into_iter().map(|state| view! {
                <div class=format!("delivery-count delivery-{}", state.as_str())>
                    <dt>{state_label(state)}</dt>
                    <dd data-testid=format!("delivery-count-{}", state.as_str())>{count(counts.get(state))}</dd>
                </div>
            }).collect_view()}
            {(delivery.skipped > 0).then(|| view! {
                <div class="delivery-count delivery-skipped">
                    <dt>"Not sent: too late"</dt>
                    <dd data-testid="delivery-count-skipped">{count(delivery.skipped)}</dd>
                </div>
            })}
        </dl>
        {if delivery.dead.is_empty() {
            view! {
                <p class="muted delivery-none" data-testid="delivery-no-dead">
                    {if dead_total == 0 { "No dead messages." } else { "Dead messages are not listed here." }}
                </p>
            }.into_any()
        } else {
            let rows = delivery.dead.into_iter().map(|m| {
                let step = steps.iter().find(|(id, _)| *id == m.node_id).map(|(_, label)| label.clone());
                view! { <DeadRow message=m step on_retry busy/> }
            }).collect_view();
            view! {
                <div class="delivery-dead-head">
                    <h3 class="delivery-subtitle" id="delivery-dead-title">
                        {if more {
                            format!("Dead messages (first {} of {})", count(shown), count(dead_total.max(shown)))
                        } else {
                            format!("Dead messages ({})", count(shown))
                        }}
                    </h3>
                    <button type="button" class="btn btn-secondary btn-small" data-testid="delivery-retry-all"
                        aria-label=format!("Retry all {} dead messages", count(dead_total.max(shown)))
                        disabled=move || busy.get()
                        on:click=move |_| on_retry.run(RetryRequest::All)>"Retry all"</button>
                </div>
                <RoleNote refusal=refused id="delivery-role-note"/>
                <div class="table-wrap delivery-table-wrap">
                    <table class="data delivery-table" aria-labelledby="delivery-dead-title" data-testid="delivery-dead">
                        <thead>
                            <tr>
                                <th scope="col">"Contact"</th>
                                <th scope="col">"Step"</th>
                                <th scope="col">"Channel"</th>
                                <th scope="col">"Template"</th>
                                <th scope="col" class="num">"Attempts"</th>
                                <th scope="col">"Last error"</th>
                                <th scope="col">"Last attempt"</th>
                                <th scope="col"><span class="visually-hidden">"Action"</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

#[component]
fn DeadRow(message: DeadMessage, step: Option<String>, on_retry: Callback<RetryRequest>, busy: Signal<bool>) -> impl IntoView {
    let key = message.message_key.clone();
    let contact = message.contact_id;
    let node = message.node_id.0.clone();
    let label = format!("Retry the message to contact {contact} from step {}", step.clone().unwrap_or_else(|| node.clone()));
    view! {
        <tr data-testid="delivery-dead-row">
            <td>{contact.to_string()}</td>
            <td>
                {step.clone().unwrap_or_else(|| node.clone())}
                {step.is_some().then(|| view! { <span class="cell-sub">{node.clone()}</span> })}
            </td>
            <td>{message.channel.clone()}</td>
            <td class="delivery-template">{message.template.clone()}</td>
            <td class="num">{count(message.attempts)}</td>
            <td class="delivery-last-error">{message.last_error.clone().unwrap_or_else(|| "None recorded".into())}</td>
            <td class="nowrap">{match message.last_attempt_at {
                Some(at) => view! { <time datetime=at.to_string()>{in_viewer_zone(at)}</time> }.into_any(),
                None => view! { <span class="muted">"Never"</span> }.into_any(),
            }}</td>
            <td class="delivery-action">
                <button type="button" class="btn btn-secondary btn-small" data-testid="delivery-retry"
                    aria-label=label
                    disabled=move || busy.get()
                    on:click=move |_| on_retry.run(RetryRequest::One(key.clone()))>"Retry"</button>
            </td>
        </tr>
    }
}
