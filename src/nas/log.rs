//! Reading a search log (JSON lines of `SearchEvent`) back: the config it started with, every
//! finished trial, and whether it ended. A trial cut off by a stop is dropped (resuming runs it
//! again); a line cut off by a crash at the very end is dropped with a warning; anything else
//! that is wrong is reported with its line number, and the file is never changed.

use super::config::SearchConfig;
use super::event::SearchEvent;
use super::search::SearchSummary;
use super::trial::TrialRecord;

/// What a log holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchLog {
    pub version: String,
    pub config: SearchConfig,
    pub trials: Vec<TrialRecord>,
    /// Present when the search ended.
    pub finished: Option<SearchSummary>,
    /// A trial that started but never finished (it runs again on resume).
    pub interrupted: Option<usize>,
    /// Things that were repaired while reading, in words.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    #[error("the log is empty")]
    Empty,
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
}

impl SearchLog {
    /// Parses a whole log.
    pub fn parse(text: &str) -> Result<SearchLog, LogError> {
        let lines: Vec<&str> = text.lines().collect();
        let complete_last_line = text.ends_with('\n');
        let mut warnings = Vec::new();
        let mut events = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<SearchEvent>(line) {
                Ok(event) => events.push((i + 1, event)),
                Err(_) if i + 1 == lines.len() && !complete_last_line => {
                    warnings.push(format!("line {} was cut off mid-write and is ignored", i + 1));
                }
                Err(error) => {
                    return Err(LogError::Line { line: i + 1, message: format!("not a search event ({error})") });
                }
            }
        }
        let first_line = lines.iter().position(|l| !l.trim().is_empty()).map_or(1, |i| i + 1);
        let cut_off_only = events.is_empty() && !warnings.is_empty();
        let mut events = events.into_iter();
        let Some((_, SearchEvent::SearchStarted { version, config, .. })) = events.next() else {
            return Err(if lines.iter().all(|l| l.trim().is_empty()) {
                LogError::Empty
            } else if cut_off_only {
                LogError::Line { line: first_line, message: "the only line was cut off mid-write; the search never started".into() }
            } else {
                LogError::Line { line: first_line, message: "a search log starts with a search_started event".into() }
            });
        };
        let (mut trials, mut finished, mut open): (Vec<TrialRecord>, Option<SearchSummary>, Option<usize>) = (Vec::new(), None, None);
        for (line, event) in events {
            let fail = |message: String| Err(LogError::Line { line, message });
            if finished.is_some() {
                return fail("events follow search_finished".into());
            }
            match event {
                SearchEvent::SearchStarted { .. } => return fail("a second search_started event".into()),
                SearchEvent::TrialStarted { trial, .. } => {
                    if trial != trials.len() {
                        return fail(format!("trial {trial} starts, but trial {} was expected", trials.len()));
                    }
                    open = Some(trial);
                }
                SearchEvent::Epoch { trial, .. } => {
                    if open != Some(trial) {
                        return fail(format!("an epoch of trial {trial}, which is not running"));
                    }
                }
                SearchEvent::TrialFinished { record } => {
                    if open != Some(record.id) {
                        return fail(format!("trial {} finishes, but it did not start", record.id));
                    }
                    open = None;
                    trials.push(*record);
                }
                SearchEvent::SearchFinished { summary } => finished = Some(summary),
            }
        }
        Ok(SearchLog { version, config: *config, trials, finished, interrupted: open, warnings })
    }

    /// The log of the finished part of the search, line by line, exactly as an uninterrupted run
    /// writes it (resume rewrites the file with this, then appends).
    pub fn finished_part(&self) -> Vec<SearchEvent> {
        let mut events = vec![SearchEvent::SearchStarted {
            version: self.version.clone(),
            config: Box::new(self.config.clone()),
            space_size: u64::try_from(self.config.space.size()).unwrap_or(u64::MAX),
        }];
        events.extend(self.trials.iter().flat_map(SearchEvent::of_trial));
        events
    }
}
