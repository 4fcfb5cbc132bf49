//! Survey and checklist templates: the TOML contract organizers write, parsed and validated
//! into the types of `model`.

pub mod model;
pub mod parse;

pub use model::*;
pub use parse::{load_template_file, parse_template, TemplateFileError, TemplateIssue};
pub mod answers;
pub use answers::{AnswerCodec, AnswerError};
