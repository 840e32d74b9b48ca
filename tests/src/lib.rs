//! Shared helpers for the workspace integration suites.
