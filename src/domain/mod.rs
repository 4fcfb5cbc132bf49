//! Domain values that validate on construction: once a value of these types exists it is
//! known to be good, so no later layer checks it again.

mod email;
mod lang;

pub use email::{EmailAddress, EmailError};
pub use lang::Lang;
