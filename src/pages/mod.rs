//! One module per route.

pub mod activated;
pub mod journey;
pub mod journeys;
pub mod not_found;
pub mod sign_in;
pub mod summary;
