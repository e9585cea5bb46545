//! Where messages go once they are in the message log: the delivery sink.
//!
//! The runner logs a message (unique on its key) in the same transaction that moves the
//! membership past the send node, and hands logged messages to the sink after the commit
//! (an outbox). A crash between the two leaves the message logged and undelivered; the next
//! start delivers it. The sink may therefore see a message twice after a crash, never two
//! messages with the same key: the webhook carries the key (`Idempotency-Key` header and
//! `message_key` field) so a receiver can drop a repeat.

use std::time::Duration;

use crate::store::OutboxMessage;

/// The delivery sink.
#[derive(Debug, Clone)]
pub enum Sink {
    /// A tracing line per message (the message log is the record).
    Log,
    /// Accepts silently (the demo seed's simulated history).
    Silent,
    /// `POST <url>` with the message as JSON, one request per message.
    Webhook { url: String, client: reqwest::Client },
}

impl Sink {
    pub fn new(webhook_url: Option<&str>) -> Sink {
        match webhook_url {
            Some(url) => Sink::Webhook {
                url: url.to_string(),
                client: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default(),
            },
            None => Sink::Log,
        }
    }

    /// Delivers one message; `Ok` when the sink accepted it.
    pub async fn deliver(&self, m: &OutboxMessage) -> Result<(), String> {
        match self {
            Sink::Log => {
                tracing::info!(
                    key = %m.message_key,
                    channel = %m.channel,
                    template = %m.template,
                    recipient = m.recipient.as_deref().unwrap_or("-"),
                    "message sent"
                );
                Ok(())
            }
            Sink::Silent => Ok(()),
            Sink::Webhook { url, client } => {
                let res =
                    client.post(url).header("Idempotency-Key", &m.message_key).json(m).send().await.map_err(|e| e.to_string())?;
                if res.status().is_success() { Ok(()) } else { Err(format!("webhook answered {}", res.status())) }
            }
        }
    }
}
