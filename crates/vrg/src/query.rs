//! `GET /vmstrategy` queries.
