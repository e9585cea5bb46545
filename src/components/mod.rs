//! The console's pieces. Each takes typed props and can be mounted alone (see `tests/`).

pub mod activate_dialog;
pub mod backlog;
pub mod confirm_dialog;
pub mod delivery;
pub mod editor;
pub mod explain_contact;
pub mod flow_diagram;
pub mod modal;
pub mod pending;
pub mod remote;
pub mod shell;
pub mod state_badge;
pub mod state_tabs;
pub mod summary_view;
pub mod when_choice;
