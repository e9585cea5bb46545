//! The ACTIVATE dialog: Resume journey or Restart journey, one plain sentence each; APPLY is
//! enabled once a choice is made; Escape, Cancel and the backdrop change nothing.

use super::modal::Modal;
use journey_core::plan::ActivationMode;
use leptos::prelude::*;

/// What each choice does and when to use it (from the seed's help page).
pub fn choice_sentence(mode: ActivationMode) -> &'static str {
    match mode {
        ActivationMode::Resume => {
            "Each contact continues from where it stopped, with no duplicate messages, and new contacts enter at the next scheduled run: best for long-running journeys such as onboarding."
        }
        ActivationMode::Restart => {
            "The journey begins again now for every contact, including those who already received its messages: best for one-time campaigns or to repeat the flow with updated content."
        }
    }
}

#[component]
pub fn ActivateDialog(
    /// The journey's name, shown in the title.
    #[prop(optional, into)]
    journey_name: Option<String>,
    /// A preselected choice (e.g. from `?mode=resume`); None: nothing chosen, APPLY disabled.
    initial: Option<ActivationMode>,
    /// APPLY with the choice.
    on_apply: Callback<ActivationMode>,
    /// Cancel, Escape or a click outside.
    on_cancel: Callback<()>,
    /// Each change of choice (the page keeps it in the URL).
    #[prop(optional)]
    on_change: Option<Callback<ActivationMode>>,
) -> impl IntoView {
    let (choice, set_choice) = signal(initial);
    let choose = move |mode: ActivationMode| {
        set_choice.set(Some(mode));
        if let Some(cb) = on_change {
            cb.run(mode);
        }
    };
    let option = move |mode: ActivationMode, title: &'static str| {
        let slug = mode.as_str();
        let id = format!("choice-{slug}");
        let text_id = format!("choice-{slug}-text");
        let (for_id, input_id, described) = (id.clone(), id.clone(), text_id.clone());
        view! {
            <label class="choice" for=for_id>
                <input
                    type="radio"
                    name="activation-mode"
                    id=input_id
                    value=slug
                    data-testid=id
                    aria-describedby=described
                    prop:checked=move || choice.get() == Some(mode)
                    on:change=move |_| choose(mode)
                />
                <span>
                    <span class="choice-title">{title}</span>
                    <span class="choice-text" id=text_id>{choice_sentence(mode)}</span>
                </span>
            </label>
        }
    };
    let title = match journey_name {
        Some(name) => format!("Activate “{name}”"),
        None => "Activate journey".to_string(),
    };
    view! {
        <Modal
            labelled_by="activate-title"
            on_close=on_cancel
            initial_focus=format!("#choice-{}", initial.unwrap_or(ActivationMode::Resume).as_str())
            return_focus_to="[data-testid=activate-button]"
            testid="activate-dialog"
        >
            <form on:submit=move |ev| {
                ev.prevent_default();
                if let Some(mode) = choice.get_untracked() {
                    on_apply.run(mode);
                }
            }>
                <div class="modal-head">
                    <h2 class="modal-title" id="activate-title">{title}</h2>
                    <p class="subtitle">"Choose how the journey comes back. You will see a summary before anything is sent."</p>
                </div>
                <div class="modal-body">
                    <fieldset class="choice-list">
                        <legend class="visually-hidden">"Activation mode"</legend>
                        {option(ActivationMode::Resume, "Resume journey")}
                        {option(ActivationMode::Restart, "Restart journey")}
                    </fieldset>
                </div>
                <div class="modal-foot">
                    <button type="button" class="btn btn-secondary" data-testid="cancel-button"
                        on:click=move |_| on_cancel.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class="btn btn-primary btn-caps" data-testid="apply-button"
                        disabled=move || choice.get().is_none()>
                        "Apply"
                    </button>
                </div>
            </form>
        </Modal>
    }
}
