//! One module per route.

pub mod activated;
pub mod edit;
pub mod journey;
pub mod journeys;
pub mod not_found;
pub mod review;
pub mod settings;
pub mod sign_in;
pub mod summary;
