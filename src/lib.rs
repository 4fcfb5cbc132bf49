//! kinerja: a survey and review assessment engine for organisations that run their
//! performance management on a Balanced Scorecard.
//!
//! Data flows one way: input files are validated into domain values (`template`, `import`),
//! stored (`db`), aggregated with pure statistics (`results`, `stats`) and presented
//! (`results::render`, `cli`).

pub mod access;
pub mod audit;
pub mod campaign;
pub mod cli;
pub mod db;
pub mod demo;
pub mod domain;
pub mod import;
pub mod mail;
pub mod pending;
pub mod respond;
pub mod results;
pub mod secret;
pub mod stats;
pub mod template;
pub mod token;
pub mod web;

#[cfg(test)]
mod fuzz;
