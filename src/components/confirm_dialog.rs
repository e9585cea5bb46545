//! A confirmation dialog for PAUSE and STOP.

use super::modal::Modal;
use leptos::prelude::*;

#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    /// The confirming button's text, e.g. "PAUSE JOURNEY".
    #[prop(into)]
    confirm_label: String,
    #[prop(optional)] danger: bool,
    /// True while the confirmed request is in flight (the button disables).
    #[prop(optional, into)]
    busy: Signal<bool>,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
    #[prop(optional, into)] return_focus_to: Option<String>,
) -> impl IntoView {
    let class = if danger { "btn btn-danger-solid btn-caps" } else { "btn btn-primary btn-caps" };
    view! {
        <Modal
            labelled_by="confirm-title"
            described_by="confirm-text"
            on_close=on_cancel
            initial_focus="[data-testid=confirm-cancel]"
            return_focus_to=return_focus_to.unwrap_or_default()
            testid="confirm-dialog"
        >
            <div class="modal-head">
                <h2 class="modal-title" id="confirm-title">{title}</h2>
            </div>
            <div class="modal-body">
                <p id="confirm-text">{message}</p>
            </div>
            <div class="modal-foot">
                <button type="button" class="btn btn-secondary" data-testid="confirm-cancel"
                    on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
                <button type="button" class=class data-testid="confirm-ok"
                    disabled=move || busy.get()
                    on:click=move |_| if !busy.get_untracked() { on_confirm.run(()) }>
                    {confirm_label}
                </button>
            </div>
        </Modal>
    }
}
