//! A modal dialog frame: `role="dialog"`, `aria-modal`, focus moved in on open, trapped while
//! open (Tab and Shift+Tab wrap), Escape and a backdrop click close it, and focus returns on
//! close to the element that had it (or to `return_focus_to` when that element is gone).

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

const FOCUSABLE: &str = "button:not([disabled]), input:not([disabled]), select:not([disabled]), \
     textarea:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

fn focusables(root: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    let mut out = Vec::new();
    if let Ok(list) = root.query_selector_all(FOCUSABLE) {
        for i in 0..list.length() {
            if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
                // A radio group is one tab stop: only its checked member (or its first) counts.
                if let Ok(input) = el.clone().dyn_into::<web_sys::HtmlInputElement>()
                    && input.type_() == "radio"
                    && !input.checked()
                {
                    let name = input.name();
                    let group_checked =
                        root.query_selector(&format!("input[type=radio][name='{name}']:checked")).ok().flatten().is_some();
                    let first_of_group = root
                        .query_selector(&format!("input[type=radio][name='{name}']"))
                        .ok()
                        .flatten()
                        .map(|f| &f == input.unchecked_ref::<web_sys::Element>())
                        .unwrap_or(false);
                    if group_checked || !first_of_group {
                        continue;
                    }
                }
                out.push(el);
            }
        }
    }
    out
}

fn active_element() -> Option<web_sys::HtmlElement> {
    web_sys::window()?.document()?.active_element()?.dyn_into::<web_sys::HtmlElement>().ok()
}

/// Moves focus into the element matching `selector`, if there is one.
pub fn focus_selector(selector: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The class on `<body>` that locks page scroll while a dialog is open (see `style/main.css`).
pub const SCROLL_LOCK_CLASS: &str = "modal-open";

thread_local! {
    /// Open dialogs: the page stays locked until the last one closes (a new dialog may mount
    /// before the one it replaces is cleaned up).
    static OPEN_MODALS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

fn body_class_list() -> Option<web_sys::DomTokenList> {
    Some(web_sys::window()?.document()?.body()?.class_list())
}

/// Locks page scroll until the current owner (the dialog) is cleaned up.
fn lock_page_scroll() {
    if OPEN_MODALS.with(|n| n.replace(n.get() + 1)) == 0
        && let Some(list) = body_class_list()
    {
        let _ = list.add_1(SCROLL_LOCK_CLASS);
    }
    on_cleanup(|| {
        if OPEN_MODALS.with(|n| {
            let left = n.get().saturating_sub(1);
            n.set(left);
            left
        }) == 0
            && let Some(list) = body_class_list()
        {
            let _ = list.remove_1(SCROLL_LOCK_CLASS);
        }
    });
}

#[component]
pub fn Modal(
    /// The id of the element that names the dialog (its heading).
    #[prop(into)]
    labelled_by: String,
    /// The id of the element that describes the dialog, if any.
    #[prop(optional, into)]
    described_by: Option<String>,
    /// Escape, or a click on the backdrop.
    on_close: Callback<()>,
    /// A CSS selector to focus when the dialog opens (default: its first focusable element).
    #[prop(optional, into)]
    initial_focus: Option<String>,
    /// A CSS selector to focus on close when the element focused before opening is gone.
    #[prop(optional, into)]
    return_focus_to: Option<String>,
    #[prop(optional, into)] testid: Option<String>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<html::Div>::new();
    lock_page_scroll();
    let return_focus_to = return_focus_to.filter(|s| !s.is_empty());
    let previous = active_element().filter(|el| el.tag_name() != "BODY");
    let previous = send_wrapper::SendWrapper::new(previous);
    on_cleanup(move || {
        let prev = previous.take();
        match prev {
            Some(el) if el.is_connected() => {
                let _ = el.focus();
            }
            _ => {
                if let Some(sel) = return_focus_to.as_deref() {
                    // The page behind may re-render first; focus once it has.
                    let sel = sel.to_string();
                    request_animation_frame(move || focus_selector(&sel));
                }
            }
        }
    });

    Effect::new(move |_| {
        if let Some(root) = panel.get() {
            let target = initial_focus
                .as_deref()
                .and_then(|sel| root.query_selector(sel).ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                .or_else(|| focusables(&root).into_iter().next());
            match target {
                Some(el) => {
                    let _ = el.focus();
                }
                None => {
                    let _ = root.focus();
                }
            }
        }
    });

    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
            return;
        }
        if ev.key() != "Tab" {
            return;
        }
        let Some(root) = panel.get_untracked() else { return };
        let items = focusables(&root);
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            ev.prevent_default();
            return;
        };
        let current = active_element();
        let inside = current.as_ref().map(|c| root.contains(Some(c))).unwrap_or(false);
        if ev.shift_key() {
            if !inside || current.as_ref() == Some(first) {
                ev.prevent_default();
                let _ = last.focus();
            }
        } else if !inside || current.as_ref() == Some(last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    };

    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())></div>
        <div class="modal-layer">
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                aria-describedby=described_by
                tabindex="-1"
                data-testid=testid
                node_ref=panel
                on:keydown=on_keydown
            >
                {children()}
            </div>
        </div>
    }
}
