//! `GET /api/openapi.json`. Filled in below.
use axum::Json;

pub async fn document() -> Json<serde_json::Value> {
    Json(spec())
}

pub fn spec() -> serde_json::Value {
    serde_json::json!({"openapi": "3.0.3", "info": {"title": "Journey console API", "version": env!("CARGO_PKG_VERSION")}, "paths": {}})
}
