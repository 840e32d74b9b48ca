//! Errors injected by a test: the next few changes answer a Hitachi error body instead of
//! being processed (lock busy `KART40050-E`, server busy `KART00003-E`, ...).

use http::StatusCode;

use crate::errors::ApiError;
use crate::state::State;

/// An armed error and how many more requests it answers.
#[derive(Debug, Clone)]
pub(crate) struct Injected {
    pub(crate) remaining: u32,
    pub(crate) error: ApiError,
}

impl Injected {
    /// An error for the next `times` requests; a status outside 100–999 becomes 500.
    pub(crate) fn new(
        times: u32,
        status: u16,
        message_id: &str,
        ssb: Option<(&str, &str)>,
        solution_type: Option<&str>,
    ) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self {
            remaining: times,
            error: ApiError::injected(status, message_id, ssb, solution_type),
        }
    }
}

/// The injected error for this request, if one is armed; counts it down.
pub(crate) fn take(state: &mut State) -> Option<ApiError> {
    let injected = state.injected.as_mut()?;
    if injected.remaining == 0 {
        state.injected = None;
        return None;
    }
    injected.remaining -= 1;
    let error = injected.error.clone();
    if injected.remaining == 0 {
        state.injected = None;
    }
    Some(error)
}
